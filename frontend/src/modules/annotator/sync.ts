/**
 * Keeps the annotator's mask in sync with the server without ever losing or
 * silently overwriting work: saves when schedule.ts says so; network and 5xx
 * failures retry with backoff while the edits stay in the page and in the
 * local backup (backup.ts); a 409 (someone saved a newer revision) stops
 * autosave until the user chooses "Load newer" or "Keep mine"; other 4xx
 * errors are shown and retried only after the next edit (answers.ts says
 * which is which). What it knows and shows is syncModel.ts. Transport,
 * storage and clock are injected for unit tests.
 */

import { ApiError } from '../../lib/api';
import { classifySaveFailure, emptyAnnotation } from './answers';
import { BackupStore, editorSessionId } from './backup';
import { KeptStore } from './kept';
import { SaveSchedule } from './schedule';
import { SyncModel } from './syncModel';
import type { AnnotationDto, LoadResult, Phase, SaveAction, SyncDeps, SyncState } from './types';

export { backupKey, type StorageLike } from './backup';
export type { LoadResult, Phase, SaveAction, SyncDeps, SyncState } from './types';

export class AnnotationSync extends SyncModel {
  /** Called after every successful PUT (also for retried ones). */
  onSaved: ((dto: AnnotationDto, action: SaveAction) => void) | null = null;

  private inflight: Promise<void> | null = null;
  private saveAgain = false;
  private readonly now: () => number;
  private readonly backup: BackupStore;
  /** Drawings this browser keeps that can no longer be saved (kept.ts): the page offers `kept.list`. */
  readonly kept: KeptStore;
  private readonly schedule: SaveSchedule;
  /** This page's id; a restored backup's own, so its saves stay this page's after a reload. */
  private session: string;

  constructor(
    private readonly deps: SyncDeps,
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
      { now: this.now, debounceMs: deps.debounceMs, maxIntervalMs: deps.maxIntervalMs, maxBackoffS: deps.maxBackoffS },
    );
  }

  /** When the waiting retry fires, or null. */
  get retryAt(): number | null {
    return this.schedule.retryAt;
  }

  get busy(): boolean {
    return this.inflight !== null;
  }

  /** Fetches the server copy and decides whether a newer local backup should win. */
  async load(): Promise<LoadResult> {
    this.phase = 'loading';
    this.emit();
    let dto: AnnotationDto;
    try {
      dto = (await this.deps.transport('GET', this.deps.url)) as AnnotationDto;
    } catch (err) {
      // "No annotation of mine yet" may also be answered with a 404.
      if (!(err instanceof ApiError && err.status === 404)) throw err;
      dto = emptyAnnotation();
    }
    this.applyDto(dto);
    // Edits of an earlier visit of a section confirmed or excluded since: offered, never saved.
    if (!this.editable && dto.locked) this.kept.adopt(this.backup.unsaved(dto), dto.locked.detail);
    const restored = this.backup.newerThan(dto, this.editable);
    // Saving against the revision the edits were based on lets the server
    // detect (409) if someone else saved in between.
    if (restored) this.revision = restored.baseRevision;
    if (restored?.session) this.session = restored.session;
    this.phase = this.settledPhase;
    if (restored) this.markDirty();
    else this.emit();
    return { dto, restored, kept: this.kept.list };
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

  /** Skips the remaining backoff (e.g. when the browser reports it is online again). */
  retryNow(): void {
    if (this.phase === 'offline') this.schedule.retryNow();
  }

  /** Saves with action "submit"; the outcome arrives through onSaved / the state. */
  async submit(): Promise<void> {
    if (!this.editable || this.conflict) return;
    this.pendingAction = 'submit';
    this.error = null;
    while (this.inflight) await this.inflight;
    if (this.phase === 'offline') {
      // Already waiting for the network; the queued retry will carry the submit.
      this.emit();
      return;
    }
    await this.save();
  }

  /** Reopens a submitted annotation; `note` says why it was a draft already (e.g. a reviewer sent it back meanwhile). */
  async reopen(): Promise<{ dto: AnnotationDto; note: string | null }> {
    while (this.inflight) await this.inflight;
    const base = this.deps.url.endsWith('/') ? this.deps.url : `${this.deps.url}/`;
    let dto: AnnotationDto;
    let note: string | null = null;
    try {
      dto = (await this.deps.transport('POST', `${base}reopen/`, { body: {} })) as AnnotationDto;
    } catch (err) {
      const current = err instanceof ApiError && err.code === 'annotation_draft' ? (err.data as { current?: AnnotationDto }).current : null;
      if (!current) throw err;
      [dto, note] = [current, (err as ApiError).detail];
    }
    this.settleOn(dto);
    return { dto, note };
  }

  /** Conflict resolution: keep the local mask and save it over the newer revision. */
  keepMine(): void {
    if (!this.conflict) return;
    if (this.conflict.revision !== null && this.conflict.revision !== undefined) this.revision = this.conflict.revision;
    this.conflict = null;
    this.error = null;
    this.phase = 'dirty';
    this.emit();
    void this.save();
  }

  /**
   * Conflict resolution: returns the newer server copy (fetching it if the
   * 409 did not include it). The caller puts its mask into the editor, then
   * calls acceptServer().
   */
  async fetchNewer(): Promise<AnnotationDto> {
    if (this.conflict && this.conflict.mask_png !== null && this.conflict.revision !== null) return this.conflict;
    return (await this.deps.transport('GET', this.deps.url)) as AnnotationDto;
  }

  acceptServer(dto: AnnotationDto): void {
    this.conflict = null;
    this.schedule.stop();
    this.backup.remove();
    this.settleOn(dto);
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
