/**
 * The reviewer's edit of the proposal in the review editor. A proposal with
 * label classes or instances (`consensus.labelled`) is edited with the
 * project's label set, as the annotator's editor draws it: the class palette,
 * instances (Alt adds to the current one) and the cut; it loads with its
 * instance ids and is sent as the label map the editor saves. A binary
 * proposal is edited as one binary class, as before label sets.
 */

import type { MaskEditor, MaskEditorOptions } from '../../editor/MaskEditor';
import { sameMask } from '../../editor/raster';
import type { ReviewConfig } from './types';

/** What the review editor draws: the project's label set for a labelled proposal, else one class. */
export function reviewEditorLabels(cfg: ReviewConfig): Pick<MaskEditorOptions, 'labels' | 'paintRule'> {
  if (!cfg.consensus?.labelled || !cfg.labels?.classes.length) return {};
  return { labels: cfg.labels.classes, paintRule: cfg.labels.paintRule };
}

export class ProposalEdit {
  /** The proposal as loaded into the editor (classes and ids), or null when there is none. */
  private start: { classes: Uint8Array; ids: Uint16Array } | null = null;
  private loaded = false;

  constructor(
    private readonly editor: MaskEditor,
    private readonly cfg: ReviewConfig,
    /** The binary proposal decoded for the overlays (null: none, or a labelled one). */
    private readonly binary: Uint8Array | null,
  ) {}

  /** Whether the proposal is edited with the project's classes and instances. */
  get labelled(): boolean {
    return this.editor.labels.hasKinds;
  }

  /** Puts the proposal (or an empty mask) into the editor; once, so edits survive stopping. */
  load(label: string): void {
    if (this.loaded) return;
    this.loaded = true;
    const png = this.cfg.consensus?.mask_png;
    if (this.labelled && png) {
      this.editor.fromPngBase64(png, { record: false, label });
      this.start = { classes: this.editor.getMask(), ids: this.editor.getInstances() };
      return;
    }
    const start = this.binary ?? new Uint8Array(this.editor.width * this.editor.height);
    this.editor.setMask(start, { record: false, label });
    if (this.binary) this.start = { classes: this.editor.getMask(), ids: this.editor.getInstances() };
  }

  /**
   * True when the editor holds something other than the proposal: edits that were all undone
   * again are not an edit; without a proposal anything drawn is.
   */
  differs(): boolean {
    if (!this.loaded) return false;
    if (!this.start) return this.editor.hasForeground();
    return !sameMask(this.editor.getMask(), this.start.classes) || !sameMask(this.editor.getInstances(), this.start.ids);
  }

  /** The edited mask as the confirm call sends it (a label map for a labelled proposal). */
  png(): string {
    return this.editor.toPngBase64Sync();
  }
}
