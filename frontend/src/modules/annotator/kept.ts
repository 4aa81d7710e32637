/**
 * A drawing that can no longer be saved, kept in this browser (localStorage key
 * `cellweb.annotation.kept.<section id>`): a save refused because a reviewer confirmed or
 * excluded the section meanwhile, or a backup (backup.ts) that finds the section so on the
 * next visit. It is never sent to the server by itself: the page offers it as a PNG mask to
 * download, or to discard, and says why it could not be saved. It lives apart from the
 * backup of unsaved edits, so no later save or restore of the section touches it.
 */

import type { StorageLike } from './backup';
import type { KeptDrawing, LocalBackup } from './types';

export function keptKey(sectionId: number | string): string {
  return `cellweb.annotation.kept.${sectionId}`;
}

export class KeptStore {
  /** What the page offers, oldest first: the stored drawings, and one storage could not take. */
  list: KeptDrawing[];
  /** The latest refused drawing is in this browser's storage, so leaving the page loses nothing. */
  inBrowser = false;

  constructor(
    private readonly storage: StorageLike | null | undefined,
    private readonly sectionId: number | string,
  ) {
    this.list = this.read();
  }

  /** A drawing a save refused for good: kept, and offered even where storage fails. */
  refused(maskPng: string, at: number, why: string): void {
    this.keep(maskPng, at, why);
    this.inBrowser = this.read().some((k) => k.savedAt === at);
  }

  /** On load: a backup of edits (backup.ts) the section no longer takes joins the stored ones. */
  adopt(backup: LocalBackup | null, why: string): void {
    if (backup) this.keep(backup.maskPng, backup.savedAt, why);
  }

  /**
   * Keeps `maskPng` (the app's save encoding) with why it could not be saved, beside any drawing
   * kept before (one drawn at the same moment is the same drawing); the page's copy stays when
   * storage fails.
   */
  keep(maskPng: string, savedAt: number, why: string): KeptDrawing {
    const kept: KeptDrawing = { v: 1, sectionId: this.sectionId, savedAt, maskPng, why };
    this.write([...this.merged().filter((k) => k.savedAt !== savedAt), kept]);
    return kept;
  }

  /** What is stored (another tab may have kept one too) and what only this page holds. */
  private merged(): KeptDrawing[] {
    const stored = this.read();
    const only = this.list.filter((k) => !stored.some((s) => s.savedAt === k.savedAt));
    return [...stored, ...only].sort((a, b) => a.savedAt - b.savedAt);
  }

  /** The kept drawings, oldest first. */
  read(): KeptDrawing[] {
    try {
      const raw = this.storage?.getItem(keptKey(this.sectionId));
      const list = raw ? (JSON.parse(raw) as Partial<KeptDrawing>[]) : [];
      const valid = (k: Partial<KeptDrawing>) => k?.v === 1 && typeof k.maskPng === 'string' && typeof k.savedAt === 'number' && typeof k.why === 'string';
      return Array.isArray(list) ? (list.filter(valid) as KeptDrawing[]) : [];
    } catch {
      return [];
    }
  }

  /** Only on the user's explicit "Discard" of the drawing kept at `savedAt`. */
  remove(savedAt: number): void {
    this.write(this.merged().filter((k) => k.savedAt !== savedAt));
  }

  /** Stores `list` (the page offers what is stored, from load on). */
  private write(list: KeptDrawing[]): void {
    this.list = list;
    try {
      if (list.length) this.storage?.setItem(keptKey(this.sectionId), JSON.stringify(list));
      else this.storage?.removeItem(keptKey(this.sectionId));
    } catch {
      // Quota exceeded or storage disabled: the page still offers the drawing while it is open.
    }
  }
}

/** The file name a kept drawing downloads under: the section and when it was drawn (UTC). */
export function keptFileName(sectionId: number | string, savedAt: number): string {
  const stamp = new Date(savedAt).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `section-${sectionId}-unsaved-${stamp}Z.png`;
}
