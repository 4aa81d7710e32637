/**
 * The annotator's neighbouring sections: the adjacent z-section images, a
 * ghost of the user's own outline on the adjacent section drawn over this
 * one, and copying that mask into this section as an undoable step.
 */

import { NeighbourPanel, type Side } from '../../components/NeighbourPanel';
import type { MaskEditor } from '../../editor/MaskEditor';
import { pngBase64ToMaskOfSize } from '../../editor/png';
import { ApiError, getJson } from '../../lib/api';
import { button, card, h } from '../../lib/dom';
import { icons } from '../../lib/icons';
import { firstSideWithMask } from './adjacent';
import type { AnnotationDto, AnnotatorConfig } from './types';

const GHOST_COLOUR = '#ffb020';
const WORD: Record<Side, string> = { prev: 'previous', next: 'next' };

export class NeighbourTools {
  readonly card: HTMLElement;
  readonly panel: NeighbourPanel;
  private readonly ghostBtn: HTMLButtonElement;
  private ghostOn = false;
  private ghostSide: Side | null = null;
  /** The user's stored mask PNG (base64) of each adjacent section, null when none yet. */
  private pngs = new Map<Side, Promise<string | null>>();

  constructor(
    private readonly cfg: AnnotatorConfig,
    private readonly editor: MaskEditor,
    imageUrl: (url: string) => string,
    /** Copying is offered only while the annotation can be edited. */
    private readonly editable: () => boolean,
  ) {
    const nb = cfg.neighbours ?? {};
    this.panel = new NeighbourPanel(nb, imageUrl, cfg.section.z);
    this.panel.onShow = (side) => {
      if (this.ghostOn && this.ghostSide !== side) void this.setGhost(side);
    };
    this.ghostBtn = button('Ghost outline', { icon: icons.ghost, kbd: 'G', small: true, onClick: () => this.toggleGhost() });
    this.ghostBtn.setAttribute('aria-pressed', 'false');
    this.ghostBtn.title = 'Dashed outline of your own mask on the adjacent section (G)';
    const copyBtn = button('Copy my adjacent mask', { icon: icons.copy, kbd: 'C', small: true, onClick: () => void this.copyAdjacent() });
    copyBtn.title =
      'Replace this mask with your mask of the previous section, or of the next one when only it has yours (C; Shift+C: the next section). Undo restores.';
    if (!nb.prev?.ownMaskUrl && !nb.next?.ownMaskUrl) copyBtn.disabled = true;
    const p = this.panel;
    this.card = card(
      'Neighbouring sections',
      null,
      h(
        'div',
        { class: 'cw-btn-stack' },
        // "View", not "Next": "Next section" on this page means the next one of the queue.
        p.button('prev', `View${p.zLabel('prev')}`, ',', icons.up),
        p.button('next', `View${p.zLabel('next')}`, '.', icons.down),
        this.ghostBtn,
        copyBtn,
      ),
      p.figure,
    );
  }

  /** Called after a copy replaced the mask (the save records "own previous section"). */
  onCopied?: () => void;

  async toggleGhost(): Promise<void> {
    if (this.ghostOn) {
      this.ghostOn = false;
      this.ghostSide = null;
      this.editor.setOverlays([]);
      this.ghostBtn.setAttribute('aria-pressed', 'false');
      return;
    }
    const nb = this.cfg.neighbours ?? {};
    if (!nb.prev?.ownMaskUrl && !nb.next?.ownMaskUrl) {
      this.editor.showToast('No adjacent section to show a ghost from');
      return;
    }
    // The side on view beside the editor, else the adjacent section that holds your mask.
    const side: Side = this.panel.shown ?? (await firstSideWithMask((s) => this.fetchMask(s))) ?? (nb.prev?.ownMaskUrl ? 'prev' : 'next');
    this.ghostOn = true;
    this.ghostBtn.setAttribute('aria-pressed', 'true');
    void this.setGhost(side);
  }

  /** Copies your mask of the previous section, or of the next one when only it has yours. */
  async copyAdjacent(): Promise<void> {
    if (!this.editable()) return;
    const side = await firstSideWithMask((s) => this.fetchMask(s));
    if (!side) {
      this.editor.showToast('You have no mask on an adjacent section yet');
      return;
    }
    await this.copyFrom(side);
  }

  async copyFrom(side: Side): Promise<void> {
    if (!this.editable()) return;
    if (!this.cfg.neighbours?.[side]?.ownMaskUrl) {
      this.editor.showToast(`There is no ${WORD[side]} section`);
      return;
    }
    const png = await this.fetchPng(side);
    if (png === undefined) return;
    if (!png) {
      this.editor.showToast(`You have no mask on the ${WORD[side]} section yet`);
      return;
    }
    // The stored label map as it is: every class and every instance, as the section's own mask loads.
    this.editor.fromPngBase64(png, { record: true, label: `Copy from ${WORD[side]} section` });
    this.onCopied?.();
    this.editor.showToast(`Copied your mask from the ${WORD[side]} section${this.panel.zLabel(side)} — Ctrl+Z undoes`, 4000);
  }

  private async setGhost(side: Side): Promise<void> {
    this.ghostSide = side;
    const mask = await this.fetchMask(side);
    if (mask === undefined || !this.ghostOn || this.ghostSide !== side) return;
    if (!mask || !mask.includes(1)) {
      this.editor.setOverlays([]);
      this.editor.showToast(`You have no mask on the ${WORD[side]} section yet`);
      return;
    }
    this.editor.setOverlays([{ name: 'ghost', colour: GHOST_COLOUR, mask, dashed: true, visible: true }]);
    this.editor.showToast(`Ghost: your outline on the ${WORD[side]} section`);
  }

  /** The user's mask of the adjacent section as foreground (1) and background (0), for the
   * ghost outline and for finding the side that holds one (null: none yet), or undefined when
   * it could not be loaded (said in a toast). */
  private async fetchMask(side: Side): Promise<Uint8Array | null | undefined> {
    const png = await this.fetchPng(side);
    if (png === undefined) return undefined;
    if (!png) return null;
    return pngBase64ToMaskOfSize(png, this.editor.width, this.editor.height);
  }

  /** The user's stored mask PNG of the adjacent section (null: none yet), or undefined when it could not be loaded (said in a toast). */
  private async fetchPng(side: Side): Promise<string | null | undefined> {
    try {
      return await this.png(side);
    } catch (err) {
      this.editor.showToast(`Could not load the ${WORD[side]} section's mask: ${err instanceof ApiError ? err.detail : String(err)}`, 5000);
      return undefined;
    }
  }

  private png(side: Side): Promise<string | null> {
    const url = this.cfg.neighbours?.[side]?.ownMaskUrl;
    if (!url) return Promise.resolve(null);
    let p = this.pngs.get(side);
    if (!p) {
      p = getJson<AnnotationDto>(url).then((dto) => dto?.mask_png ?? null);
      // A failed request may succeed later; do not cache the failure.
      p.catch(() => this.pngs.delete(side));
      this.pngs.set(side, p);
    }
    return p;
  }
}
