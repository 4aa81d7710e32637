/**
 * The annotate page's side of the drawings refused for good (kept.ts): while one is offered
 * after this page's own save was refused, the editor stays read-only; the callout
 * (keptNotice.ts) offers each one; the user's Discard of a drawing refused on this page takes it
 * out of the editor too, which shows the saved annotation again (so Skip moves on).
 */

import type { MaskEditor } from '../../editor/MaskEditor';
import { ApiError } from '../../lib/api';
import { showKept } from './keptNotice';
import type { ServerMask } from './serverMask';
import type { AnnotationSync } from './sync';

export class KeptFlow {
  constructor(
    private readonly sync: AnnotationSync,
    private readonly editor: MaskEditor,
    private readonly serverMask: ServerMask,
    /** The save card: the callout stands just before it. */
    private readonly anchor: HTMLElement,
    /** Renders the page's save state again (which renders this again). */
    private readonly rerender: () => void,
  ) {}

  render(): void {
    // Drawings refused for good (the section was confirmed or excluded): offered as files, never saved.
    if (this.sync.phase === 'locked' && this.sync.kept.list.length) this.editor.setReadOnly(true);
    showKept(this.sync.kept.list, this.anchor, { discard: (at) => this.discard(at) });
  }

  /** The user's Discard: a drawing refused on this page leaves the editor too. */
  private discard(savedAt: number): void {
    this.sync.kept.remove(savedAt);
    if (this.sync.phase === 'locked' && this.sync.dirty) void this.showSaved();
    this.rerender();
  }

  /** Back to the saved annotation once the drawing refused on this page is discarded. */
  private async showSaved(): Promise<void> {
    try {
      this.serverMask.take(await this.sync.fetchNewer());
    } catch (err) {
      this.editor.showToast(`Could not load your saved annotation: ${err instanceof ApiError ? err.detail : String(err)}`, 5000);
    }
  }
}
