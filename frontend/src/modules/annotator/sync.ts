/**
 * Keeps the annotator's mask in sync with the server without ever losing or
 * silently overwriting work:
 *
 * - autosave 1.5 s after the last edit, and at least every 15 s while edits
 *   keep coming;
 * - network/5xx failures retry with exponential backoff (1, 2, 4 … 30 s)
 *   while the edits stay in the page and in a localStorage backup;
 * - a 409 (someone saved a newer revision) stops autosave and waits for the
 *   user to choose "Load newer" or "Keep mine";
 * - 4xx errors are shown and retried only after the next edit.
 *
 * Transport, storage and clock are injected so the logic runs in unit tests.
 */

import { ApiError, type Transport } from '../../lib/api';
import type { ActiveTime } from './activeTime';
import type { AnnotationDto, AnnotationStatus, LocalBackup } from './types';

export type Phase = 'loading' | 'clean' | 'dirty' | 'saving' | 'offline' | 'conflict' | 'error' | 'locked';
export type SaveAction = 'save' | 'submit';

export interface SyncState {
  phase: Phase;
  dirty: boolean;
  revision: number | null;
  status: AnnotationStatus;
  canEdit: boolean;
  canReopen: boolean;
  editable: boolean;
  lastSavedAt: number | null;
  retryAt: number | null;
  error: string | null;
  conflict: AnnotationDto | null;
  pendingSubmit: boolean;
}

export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface SyncDeps {
  url: string;
  sectionId: number | string;
  transport: Transport;
  getMaskPng: () => string;
  activeTime: Pick<ActiveTime, 'take' | 'giveBack'>;
  storage?: StorageLike | null;
  now?: () => number;
  readOnly?: boolean;
  debounceMs?: number;
  maxIntervalMs?: number;
  maxBackoffS?: number;
  backupDelayMs?: number;
}

export interface LoadResult {
  dto: AnnotationDto;
  restored: LocalBackup | null;
}

export function backupKey(sectionId: number | string): string {
  return `cellweb.annotation.${sectionId}`;
}

export class AnnotationSync {
  revision: number | null = null;
  status: AnnotationStatus = null;
  canEdit = true;
  canReopen = false;
  updatedAt: string | null = null;
  conflict: AnnotationDto | null = null;
  lastSavedAt: number | null = null;
  retryAt: number | null = null;
  error: string | null = null;
  phase: Phase = 'loading';

  /** Called after every successful PUT (also for retried ones). */
  onSaved: ((dto: AnnotationDto, action: SaveAction) => void) | null = null;

  private editSeq = 0;
  private savedSeq = 0;
  private pendingAction: SaveAction = 'save';
  private inflight: Promise<void> | null = null;
  private saveAgain = false;
  private attempt = 0;
  private debounceTimer: ReturnType<typeof setTimeout> | null = null;
  private maxTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private backupTimer: ReturnType<typeof setTimeout> | null = null;
  private backupPendingSince = 0;
  private tickTimer: ReturnType<typeof setInterval> | null = null;
  private readonly now: () => number;

  constructor(
    private readonly deps: SyncDeps,
    private readonly listener: (s: SyncState) => void = () => {},
  ) {
    this.now = deps.now ?? (() => Date.now());
  }

  get dirty(): boolean {
    return this.editSeq !== this.savedSeq;
  }

  get editable(): boolean {
    return !this.deps.readOnly && this.canEdit && this.status !== 'submitted';
  }

  get busy(): boolean {
    return this.inflight !== null;
  }

  state(): SyncState {
    return {
      phase: this.phase,
      dirty: this.dirty,
      revision: this.revision,
      status: this.status,
      canEdit: this.canEdit,
      canReopen: this.canReopen,
      editable: this.editable,
      lastSavedAt: this.lastSavedAt,
      retryAt: this.retryAt,
      error: this.error,
      conflict: this.conflict,
      pendingSubmit: this.pendingAction === 'submit',
    };
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
      dto = { revision: null, status: null, mask_png: null };
    }
    this.applyDto(dto);
    let restored: LocalBackup | null = null;
    const backup = this.readBackup();
    if (backup) {
      const serverTime = dto.updated_at ? Date.parse(dto.updated_at) : 0;
      const newer = backup.savedAt > (Number.isFinite(serverTime) ? serverTime : 0);
      if (this.editable && newer && backup.maskPng !== dto.mask_png) {
        restored = backup;
        // Saving against the revision the edits were based on lets the server
        // detect (409) if someone else saved in between.
        this.revision = backup.baseRevision;
      } else {
        this.removeBackup();
      }
    }
    this.phase = this.editable ? 'clean' : 'locked';
    if (restored) this.markDirty();
    else this.emit();
    return { dto, restored };
  }

  markDirty(): void {
    if (!this.editable) return;
    this.editSeq++;
    this.scheduleBackup();
    if (this.conflict) {
      this.emit();
      return;
    }
    if (this.phase !== 'offline') {
      this.clearTimer('debounceTimer');
      this.debounceTimer = setTimeout(() => void this.save(), this.deps.debounceMs ?? 1500);
      if (!this.maxTimer) this.maxTimer = setTimeout(() => void this.save(), this.deps.maxIntervalMs ?? 15000);
      if (this.phase !== 'saving') this.phase = 'dirty';
    }
    this.emit();
  }

  /** Saves now if there is anything to save (Ctrl+S, page hide). */
  save(): Promise<void> {
    this.clearTimer('debounceTimer');
    this.clearTimer('maxTimer');
    if (this.inflight) {
      this.saveAgain = true;
      return this.inflight;
    }
    if (this.conflict || !this.editable) return Promise.resolve();
    if (!this.dirty && this.pendingAction === 'save') return Promise.resolve();
    this.clearTimer('retryTimer');
    this.stopTicker();

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
    };
    this.inflight = (async () => {
      try {
        const dto = (await this.deps.transport('PUT', this.deps.url, { body })) as AnnotationDto;
        this.attempt = 0;
        this.retryAt = null;
        this.error = null;
        this.applyDto(dto);
        this.savedSeq = seq;
        if (action === 'submit') this.pendingAction = 'save';
        this.lastSavedAt = this.now();
        if (this.dirty && this.editable) {
          this.phase = 'dirty';
          this.writeBackup();
          this.debounceTimer = setTimeout(() => void this.save(), this.deps.debounceMs ?? 1500);
        } else {
          this.phase = this.editable ? 'clean' : 'locked';
          this.removeBackup();
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
    const apiErr = err instanceof ApiError ? err : null;
    if (apiErr && apiErr.status === 409) {
      const current = (apiErr.data as { current?: AnnotationDto } | null)?.current ?? null;
      this.conflict = current ?? { revision: null, status: null, mask_png: null };
      this.phase = 'conflict';
      this.error = apiErr.detail;
      this.writeBackup();
      this.emit();
      return;
    }
    if (!apiErr || apiErr.retryable) {
      this.scheduleRetry(apiErr?.detail ?? (err as Error)?.message ?? 'Network error');
      return;
    }
    // 400/403/404: retrying the same request cannot help; the next edit or an
    // explicit save tries again.
    if (action === 'submit') this.pendingAction = 'save';
    this.phase = 'error';
    this.error = apiErr.detail;
    this.writeBackup();
    this.emit();
  }

  private scheduleRetry(reason: string): void {
    this.attempt++;
    const delayS = Math.min(this.deps.maxBackoffS ?? 30, 2 ** (this.attempt - 1));
    this.retryAt = this.now() + delayS * 1000;
    this.phase = 'offline';
    this.error = reason;
    this.writeBackup();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.save();
    }, delayS * 1000);
    // Re-render the countdown once a second.
    this.stopTicker();
    this.tickTimer = setInterval(() => this.emit(), 1000);
    this.emit();
  }

  /** Skips the remaining backoff (e.g. when the browser reports it is online again). */
  retryNow(): void {
    if (this.phase === 'offline' && this.retryTimer) {
      this.clearTimer('retryTimer');
      void this.save();
    }
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

  async reopen(): Promise<AnnotationDto> {
    while (this.inflight) await this.inflight;
    const base = this.deps.url.endsWith('/') ? this.deps.url : `${this.deps.url}/`;
    const dto = (await this.deps.transport('POST', `${base}reopen/`, { body: {} })) as AnnotationDto;
    this.applyDto(dto);
    this.savedSeq = this.editSeq;
    this.pendingAction = 'save';
    this.error = null;
    this.phase = this.editable ? 'clean' : 'locked';
    this.emit();
    return dto;
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
    this.applyDto(dto);
    this.conflict = null;
    this.error = null;
    this.savedSeq = this.editSeq;
    this.pendingAction = 'save';
    this.clearTimer('debounceTimer');
    this.clearTimer('maxTimer');
    this.clearTimer('retryTimer');
    this.stopTicker();
    this.removeBackup();
    this.phase = this.editable ? 'clean' : 'locked';
    this.emit();
  }

  /** Synchronous backup for beforeunload/pagehide. */
  writeBackup(): void {
    if (!this.dirty || !this.deps.storage) return;
    this.clearTimer('backupTimer');
    try {
      const backup: LocalBackup = {
        v: 1,
        sectionId: this.deps.sectionId,
        savedAt: this.now(),
        baseRevision: this.revision,
        maskPng: this.deps.getMaskPng(),
      };
      this.deps.storage.setItem(backupKey(this.deps.sectionId), JSON.stringify(backup));
    } catch {
      // Quota exceeded or storage disabled: the in-page copy still exists.
    }
  }

  readBackup(): LocalBackup | null {
    try {
      const raw = this.deps.storage?.getItem(backupKey(this.deps.sectionId));
      if (!raw) return null;
      const b = JSON.parse(raw) as Partial<LocalBackup>;
      if (b.v !== 1 || typeof b.maskPng !== 'string' || typeof b.savedAt !== 'number') return null;
      return b as LocalBackup;
    } catch {
      return null;
    }
  }

  removeBackup(): void {
    this.clearTimer('backupTimer');
    try {
      this.deps.storage?.removeItem(backupKey(this.deps.sectionId));
    } catch {
      // ignore
    }
  }

  dispose(): void {
    for (const t of ['debounceTimer', 'maxTimer', 'retryTimer', 'backupTimer'] as const) this.clearTimer(t);
    this.stopTicker();
  }

  /**
   * Backups wait for a short pause in editing (encoding the PNG costs a few
   * milliseconds, which must not land in the middle of a brush stroke), but
   * never more than 10 s.
   */
  private scheduleBackup(): void {
    if (!this.deps.storage) return;
    const now = this.now();
    if (this.backupTimer && now - this.backupPendingSince > 10_000) return;
    if (!this.backupTimer) this.backupPendingSince = now;
    this.clearTimer('backupTimer');
    this.backupTimer = setTimeout(() => {
      this.backupTimer = null;
      this.writeBackup();
    }, this.deps.backupDelayMs ?? 700);
  }

  private applyDto(dto: AnnotationDto): void {
    this.revision = dto.revision ?? null;
    this.status = dto.status ?? null;
    this.canEdit = dto.can_edit ?? true;
    this.canReopen = dto.can_reopen ?? false;
    this.updatedAt = dto.updated_at ?? null;
  }

  private clearTimer(name: 'debounceTimer' | 'maxTimer' | 'retryTimer' | 'backupTimer'): void {
    const t = this[name];
    if (t !== null) clearTimeout(t);
    this[name] = null;
  }

  private stopTicker(): void {
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    this.tickTimer = null;
  }

  private emit(): void {
    this.listener(this.state());
  }
}
