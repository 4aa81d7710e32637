/**
 * The annotator's save loop, which never loses or silently overwrites work: it saves when
 * schedule.ts says so; network and 5xx failures retry with backoff while the edits stay in the
 * page and in the local backup (backup.ts); a 409 (someone saved a newer revision) stops
 * autosave until the user chooses (sync.ts); a section a reviewer confirmed or excluded
 * meanwhile keeps the refused drawing in this browser (kept.ts); other 4xx errors are shown and
 * retried only after the next edit (answers.ts says which is which). What it knows and shows is
 * syncModel.ts. Transport, storage and clock are injected for unit tests.
 */

import { classifySaveFailure } from './answers';
import { BackupStore, editorSessionId } from './backup';
import { KeptStore } from './kept';
import { SaveSchedule } from './schedule';
import { SyncModel } from './syncModel';
import type { AnnotationDto, Phase, SaveAction, SyncDeps, SyncState } from './types';

export abstract class SaveLoop extends SyncModel {
  /** Called after every successful PUT (also for retried ones). */
  onSaved: ((dto: AnnotationDto, action: SaveAction) => void) | null = null;

  protected inflight: Promise<void> | null = null;
  private saveAgain = false;
  protected readonly now: () => number;
  protected readonly backup: BackupStore;
  /** Drawings this browser keeps that can no longer be saved (kept.ts): the page offers `kept.list`. */
  readonly kept: KeptStore;
  protected readonly schedule: SaveSchedule;
  /** This page's id; a restored backup's own, so its saves stay this page's after a reload. */
  protected session: string;

  constructor(
    protected readonly deps: SyncDeps,
    listener: (s: SyncState) => void = () => {},
  ) {
    super(deps.readOnly ?? false, listener);
    this.session = deps.session ?? editorSessionId();
    this.now = deps.now ?? (() => Date.now());
    this.backup = new BackupStore(deps.storage, deps.sectionId, this.now, deps.backupDelayMs ?? 700);
    this.kept = new KeptStore(deps.storage, deps.sectionId);
    this.schedule = new SaveSchedule(
      () => void this.save(),
      () => this.emit(),
      { now: this.now, debounceMs: deps.debounceMs, maxIntervalMs: deps.maxIntervalMs, maxBackoffS: deps.maxBackoffS, random: deps.random },
    );
  }

  /** When the waiting retry fires, or null. */
  get retryAt(): number | null {
    return this.schedule.retryAt;
  }

  get busy(): boolean {
    return this.inflight !== null;
  }

  markDirty(): void {
    if (!this.editable) return;
    this.editSeq++;
    this.backup.schedule(() => this.writeBackup());
    if (this.conflict) {
      this.emit();
      return;
    }
    if (this.phase !== 'offline') {
      this.schedule.edited();
      if (this.phase !== 'saving') this.phase = 'dirty';
    }
    this.emit();
  }

  /** Saves now if there is anything to save (Ctrl+S, page hide). */
  save(): Promise<void> {
    this.schedule.due();
    if (this.inflight) {
      this.saveAgain = true;
      return this.inflight;
    }
    if (this.conflict || !this.editable) return Promise.resolve();
    if (!this.dirty && this.pendingAction === 'save') return Promise.resolve();
    this.schedule.saving();

    const seq = this.editSeq;
    const action = this.pendingAction;
    let png: string;
    try {
      png = this.deps.getMaskPng();
    } catch (err) {
      this.phase = 'error';
      this.error = `Could not encode the mask: ${(err as Error).message}`;
      this.emit();
      return Promise.resolve();
    }
    const seconds = this.deps.activeTime.take();
    this.phase = 'saving';
    this.emit();

    const body = {
      base_revision: this.revision,
      mask_png: png,
      time_spent_s: Math.round(seconds * 10) / 10,
      action,
      editor_session: this.session,
      ...(this.deps.getOrigin?.() ?? {}),
      ...(this.deps.labelSetVersion !== undefined ? { label_set_version: this.deps.labelSetVersion } : {}),
    };
    this.inflight = (async () => {
      try {
        const dto = (await this.deps.transport('PUT', this.deps.url, { body })) as AnnotationDto;
        this.schedule.succeeded();
        this.error = null;
        this.applyDto(dto);
        this.savedSeq = seq;
        if (action === 'submit') this.pendingAction = 'save';
        this.lastSavedAt = this.now();
        if (this.dirty && this.editable) {
          this.phase = 'dirty';
          this.writeBackup();
          this.schedule.later();
        } else {
          this.phase = this.settledPhase;
          this.backup.remove();
        }
        this.emit();
        this.onSaved?.(dto, action);
      } catch (err) {
        this.deps.activeTime.giveBack(seconds);
        this.handleSaveError(err, action);
      } finally {
        this.inflight = null;
        if (this.saveAgain) {
          this.saveAgain = false;
          const wanted = this.dirty || this.pendingAction === 'submit';
          if (wanted && !this.conflict && this.phase !== 'offline' && this.phase !== 'error') void this.save();
        }
      }
    })();
    return this.inflight;
  }

  private handleSaveError(err: unknown, action: SaveAction): void {
    const failure = classifySaveFailure(err);
    if (failure.kind === 'conflict') {
      this.conflict = failure.current;
      return this.halt('conflict', failure.detail);
    }
    if (failure.kind === 'locked') {
      // A reviewer confirmed or excluded the section: saving stops; the drawing stays on the page.
      if (action === 'submit') this.pendingAction = 'save';
      this.applyDto(failure.current);
      this.keepRefused(failure.detail);
      return this.halt('locked', `${failure.detail} Your drawing stays on this page.`);
    }
    if (failure.kind === 'retry') {
      this.schedule.failed();
      this.retryStatus = failure.httpStatus;
      return this.halt('offline', failure.detail);
    }
    // Refused (400/403/404): retrying the same request cannot help; the next
    // edit or an explicit save tries again.
    if (action === 'submit') this.pendingAction = 'save';
    this.halt('error', failure.detail);
  }

  /** A save refused for good (section confirmed or excluded): the drawing moves from the backup
   * to kept.ts, which only the user's Discard removes and nothing ever saves. */
  private keepRefused(why: string): void {
    try {
      this.kept.refused(this.deps.getMaskPng(), this.now(), why);
      if (this.kept.inBrowser) this.backup.remove();
    } catch {
      // The mask cannot be encoded: the backup of unsaved edits stays as it is.
    }
  }

  /** Refused for good and kept in this browser: leaving the page loses nothing. */
  get refusedAndKept(): boolean {
    return this.phase === 'locked' && this.kept.inBrowser;
  }

  /** Saving stops in `phase` until a retry or the user acts; the edits stay in the page and in the backup. */
  private halt(phase: Phase, error: string): void {
    this.phase = phase;
    this.error = error;
    this.writeBackup();
    this.emit();
  }

  /**
   * Saves until nothing is pending (a save in flight may leave newer edits for one more);
   * false when edits are still unsaved: a save failed (offline, 5xx, 409, refused). Edits the
   * section refused for good are kept (kept.ts), so leaving the page loses nothing: true.
   */
  async saveAll(): Promise<boolean> {
    for (let i = 0; i < 3 && this.dirty && this.phase !== 'locked'; i++) {
      await this.save();
      if (this.phase === 'offline' || this.phase === 'conflict' || this.phase === 'error') break;
    }
    while (this.inflight) await this.inflight;
    return !this.dirty || this.refusedAndKept;
  }

  /** Skips the remaining backoff (Retry now; the browser online again, the tab shown again, the
   * section's socket reconnected). Nothing when no retry waits: a save in flight stays the only one. */
  retryNow(): void {
    if (this.phase === 'offline') this.schedule.retryNow();
  }

  /** Synchronous backup for beforeunload/pagehide. */
  writeBackup(): void {
    // Refused for good: the kept drawing holds the edits; a backup would restore them when the section takes saves again.
    if (this.refusedAndKept) return;
    if (this.dirty) this.backup.write(this.revision, () => this.deps.getMaskPng(), this.session);
  }

  dispose(): void {
    this.schedule.stop();
    this.backup.cancel();
  }
}
