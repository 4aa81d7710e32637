/**
 * The copy of unsaved edits kept in this browser (localStorage key
 * `cellweb.annotation.<section id>`), so a closed tab, a crash or a long
 * outage loses nothing. Storage may be missing, full or disabled: then the
 * copy in the page is all there is, and nothing here throws.
 */

import type { AnnotationDto, LocalBackup } from './types';

export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** This browser's localStorage (`session`: this tab's sessionStorage), or null where it is disabled (private modes, policies). */
export function safeStorage(kind: 'local' | 'session' = 'local'): Storage | null {
  try {
    const store = kind === 'local' ? localStorage : sessionStorage;
    const k = '__cw_probe__';
    store.setItem(k, '1');
    store.removeItem(k);
    return store;
  } catch {
    return null;
  }
}

/**
 * A random id for one editor page, sent with its saves: the server then knows that a save based
 * on an older revision comes from the page that saved the newer ones (their answers were lost),
 * not from another tab. getRandomValues works on plain-HTTP lab servers too (randomUUID does not).
 */
export function editorSessionId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function backupKey(sectionId: number | string): string {
  return `cellweb.annotation.${sectionId}`;
}

/** Longest a backup waits for a pause in editing. */
const MAX_WAIT_MS = 10_000;

export class BackupStore {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pendingSince = 0;

  constructor(
    private readonly storage: StorageLike | null | undefined,
    private readonly sectionId: number | string,
    private readonly now: () => number,
    private readonly delayMs = 700,
  ) {}

  /** Writes the backup now; `maskPng` is only encoded when there is storage to keep it. */
  write(baseRevision: number | null, maskPng: () => string, session?: string): void {
    this.cancel();
    if (!this.storage) return;
    try {
      const backup: LocalBackup = { v: 1, sectionId: this.sectionId, savedAt: this.now(), baseRevision, maskPng: maskPng(), session };
      this.storage.setItem(backupKey(this.sectionId), JSON.stringify(backup));
    } catch {
      // Quota exceeded or storage disabled: the in-page copy still exists.
    }
  }

  read(): LocalBackup | null {
    try {
      const raw = this.storage?.getItem(backupKey(this.sectionId));
      if (!raw) return null;
      const b = JSON.parse(raw) as Partial<LocalBackup>;
      if (b.v !== 1 || typeof b.maskPng !== 'string' || typeof b.savedAt !== 'number') return null;
      return b as LocalBackup;
    } catch {
      return null;
    }
  }

  /**
   * The backup when it holds edits newer than the server copy `dto` that can
   * still be saved; any other backup is dropped.
   */
  newerThan(dto: AnnotationDto, editable: boolean): LocalBackup | null {
    const backup = this.unsaved(dto);
    if (editable && backup) return backup;
    this.remove();
    return null;
  }

  /** The backup when it holds edits newer than, and different from, the server copy `dto`. */
  unsaved(dto: AnnotationDto): LocalBackup | null {
    const backup = this.read();
    if (!backup) return null;
    const serverTime = dto.updated_at ? Date.parse(dto.updated_at) : 0;
    const newer = backup.savedAt > (Number.isFinite(serverTime) ? serverTime : 0);
    return newer && backup.maskPng !== dto.mask_png ? backup : null;
  }

  remove(): void {
    this.cancel();
    try {
      this.storage?.removeItem(backupKey(this.sectionId));
    } catch {
      // ignore
    }
  }

  /**
   * Calls `write` after a short pause in editing (encoding the PNG costs a
   * few milliseconds, which must not land in the middle of a brush stroke),
   * but never more than 10 s after the first postponed edit.
   */
  schedule(write: () => void): void {
    if (!this.storage) return;
    const now = this.now();
    if (this.timer && now - this.pendingSince > MAX_WAIT_MS) return;
    if (!this.timer) this.pendingSince = now;
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      write();
    }, this.delayMs);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
