/**
 * The annotation open in the annotator, kept in sync with the server by the save loop
 * (saveLoop.ts), around which this adds the rest of its life: loading it (and whether a newer
 * local backup wins), submitting, reopening, and the user's choices after a 409 stopped
 * autosave ("Load newer" or "Keep mine").
 */

import { ApiError } from '../../lib/api';
import { emptyAnnotation } from './answers';
import { SaveLoop } from './saveLoop';
import type { AnnotationDto, LoadResult } from './types';

export { backupKey, type StorageLike } from './backup';
export type { LoadResult, Phase, SaveAction, SyncDeps, SyncState } from './types';

export class AnnotationSync extends SaveLoop {
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
    // The backup's page id is taken back only by a reload of the tab that wrote it: another tab
    // that finds the backup (its writer still open, its saves failing) keeps an id of its own,
    // or the two would save over each other's revisions without a 409.
    const tabKey = `cellweb.editorSession.${this.deps.sectionId}`;
    const tab = this.deps.tabStorage;
    if (restored?.session && (!tab || tab.getItem(tabKey) === restored.session)) this.session = restored.session;
    try {
      tab?.setItem(tabKey, this.session);
    } catch {
      // A full or refused tab storage: a reload then gets an id of its own.
    }
    this.phase = this.settledPhase;
    if (restored) this.markDirty();
    else this.emit();
    return { dto, restored, kept: this.kept.list };
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
    const reopened = await this.reopenRequest();
    this.settleOn(reopened.dto);
    return reopened;
  }

  /** POSTs the reopen; a draft already (sent back meanwhile, reopened elsewhere) answers its current copy. */
  private async reopenRequest(): Promise<{ dto: AnnotationDto; note: string | null }> {
    const base = this.deps.url.endsWith('/') ? this.deps.url : `${this.deps.url}/`;
    try {
      return { dto: (await this.deps.transport('POST', `${base}reopen/`, { body: {} })) as AnnotationDto, note: null };
    } catch (err) {
      const current = err instanceof ApiError && err.code === 'annotation_draft' ? (err.data as { current?: AnnotationDto }).current : null;
      if (!current) throw err;
      return { dto: current, note: (err as ApiError).detail };
    }
  }

  /**
   * Conflict resolution: keep the local mask and save it over the newer revision. A copy
   * submitted in another tab or device takes no save until it is reopened, so it is reopened
   * first; where that is refused, the conflict stays and `reopenRefused` says why.
   */
  async keepMine(): Promise<void> {
    const current = this.conflict;
    if (!current) return;
    this.reopenRefused = null;
    if (current.status === 'submitted') {
      try {
        this.applyDto((await this.reopenRequest()).dto);
      } catch (err) {
        this.reopenRefused = `Could not reopen your submission: ${err instanceof ApiError ? err.detail : String(err)}`;
        this.emit();
        return;
      }
    } else if (current.revision !== null && current.revision !== undefined) {
      this.revision = current.revision;
    }
    this.conflict = null;
    this.error = null;
    this.phase = 'dirty';
    this.emit();
    await this.save();
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
    this.reopenRefused = null;
    this.schedule.stop();
    this.backup.remove();
    this.settleOn(dto);
  }
}
