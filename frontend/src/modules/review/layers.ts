/**
 * What the reviewer compares, as editor overlays with a legend: each
 * annotator's contour, the proposal (consensus or fluorescence mask), the
 * disagreement heat map (value = annotators disagreeing, scaled by their
 * number), the nuclei only a minority found, the confirmed ground truth, an imported (expert)
 * ground truth, and after a lost race the winner's mask.
 */

import type { Overlay } from '../../editor/MaskEditor';
import { base64ToBytes, decodeGray, pngBase64ToMaskOfSize, resizeMask } from '../../editor/png';
import { h } from '../../lib/dom';
import { annotatorColour, type ReviewConfig } from './types';

export interface ReviewLayer extends Overlay {
  label: string;
  /** The key that toggles it, shown in the legend. */
  key?: string;
  /** Legend swatch colour, or "heat" for the heat map. */
  swatch?: string;
}

const CONSENSUS_COLOUR = '#ffffff';
const GT_COLOUR = '#ffe119';
const WINNER_COLOUR = '#00ff7f';
/** An expert's imported mask: apart from the annotators' palette and the confirmed yellow. */
const IMPORTED_COLOUR = '#b388ff';
/** The nuclei only a minority of the annotators found: a warning colour, dashed. */
const MINORITY_COLOUR = '#ff9800';
/** Wider than an annotator's line (1.75 px), so it shows as a white band on both sides of an
 * annotator's contour that runs along it. */
const CONSENSUS_WIDTH = 4;
/** Drawn first, under the annotators' contours (see overlays()). */
const UNDERLAYS = new Set(['consensus', 'gt', 'imported']);

export class ReviewLayers {
  readonly list: ReviewLayer[] = [];
  /** The proposal's mask, or null when there is none (the reviewer must draw one). */
  readonly consensusMask: Uint8Array | null = null;
  private readonly inputs = new Map<string, HTMLInputElement>();

  constructor(
    cfg: ReviewConfig,
    private readonly width: number,
    private readonly height: number,
    proposalTitle: string,
  ) {
    (cfg.annotations ?? []).forEach((a, i) => {
      const mask = this.decode(a.outline_png ?? a.mask_png);
      const colour = annotatorColour(cfg, i);
      const label = `${a.annotator}${a.revision !== undefined ? ` (rev ${a.revision})` : ''}${a.response ? ' · response' : ''}`;
      if (mask) this.list.push({ name: `ann:${a.annotator}`, label, colour, swatch: colour, mask, visible: true, key: i < 9 ? String(i + 1) : undefined });
    });
    this.consensusMask = this.decode(cfg.consensus?.mask_png);
    // Touching objects drawn apart (the mask itself stays what the editor starts from).
    const consensusOutline = this.decode(cfg.consensus?.outline_png) ?? this.consensusMask;
    if (this.consensusMask && consensusOutline) {
      const label = `${proposalTitle}${cfg.consensus?.method ? ` (${cfg.consensus.method})` : ''}`;
      this.list.push({ name: 'consensus', label, colour: CONSENSUS_COLOUR, swatch: CONSENSUS_COLOUR, mask: consensusOutline, visible: true, lineWidth: CONSENSUS_WIDTH, key: 'K' });
    }
    const heat = this.heat(cfg.disagreement_png);
    if (heat) {
      const n = Math.max(1, (cfg.annotators ?? cfg.annotations ?? []).length);
      this.list.push({ name: 'disagreement', label: 'Disagreement map', heat, heatMax: n, visible: false, key: 'D', swatch: 'heat' });
    }
    const minority = this.decode(cfg.minority?.mask_png);
    if (minority) {
      const n = cfg.minority?.nuclei?.length ?? 0;
      this.list.push({ name: 'minority', label: `Found by a minority (${n} nucle${n === 1 ? 'us' : 'i'})`, colour: MINORITY_COLOUR, swatch: MINORITY_COLOUR, mask: minority, visible: true, dashed: true, lineWidth: 2.5, key: 'M' });
    }
    const gtMask = this.decode(cfg.groundTruth?.mask_png);
    if (gtMask) {
      const label = `Ground truth v${cfg.groundTruth!.version}`;
      this.list.push({ name: 'gt', label, colour: GT_COLOUR, swatch: GT_COLOUR, mask: gtMask, visible: false, dashed: true, key: 'T' });
    }
    this.imported(cfg);
  }

  /** The imported ground truth's layer, named with its version and nucleus count. */
  private imported(cfg: ReviewConfig): void {
    const truth = cfg.importedTruth;
    const mask = this.decode(truth?.outline_png) ?? this.decode(truth?.mask_png);
    if (!truth || !mask) return;
    const n = truth.nuclei;
    const count = n === null || n === undefined ? '' : ` · ${n} nucle${n === 1 ? 'us' : 'i'}`;
    const label = `${truth.label ?? 'Imported mask'} v${truth.version}${count}`;
    this.list.push({ name: 'imported', label, colour: IMPORTED_COLOUR, swatch: IMPORTED_COLOUR, mask, visible: true, lineWidth: 2.5, key: 'I' });
  }

  /** The legend: a checkbox per layer with its swatch and key. */
  legend(onToggle: (name: string, visible: boolean) => void): HTMLElement {
    const legend = h('ul', { class: 'cw-legend' });
    for (const l of this.list) {
      const input = h('input', { type: 'checkbox' });
      input.checked = !!l.visible;
      input.addEventListener('change', () => onToggle(l.name, input.checked));
      this.inputs.set(l.name, input);
      const swatch = h('span', { class: `cw-swatch${l.swatch === 'heat' ? ' cw-swatch-heat' : ''}${l.dashed ? ' cw-swatch-dashed' : ''}` });
      if (l.swatch && l.swatch !== 'heat') swatch.style.setProperty('--swatch', l.swatch);
      legend.appendChild(h('li', null, h('label', null, input, swatch, h('span', { class: 'cw-legend-label' }, l.label), l.key ? h('kbd', { class: 'cw-kbd' }, l.key) : null)));
    }
    if (!this.list.length) legend.appendChild(h('li', { class: 'cw-muted' }, 'No annotations to compare yet.'));
    return legend;
  }

  /** Shows, hides or flips one layer; false when there is no such layer. */
  toggle(name: string, visible?: boolean): boolean {
    const l = this.list.find((x) => x.name === name);
    if (!l) return false;
    l.visible = visible ?? !l.visible;
    const input = this.inputs.get(name);
    if (input) input.checked = !!l.visible;
    return true;
  }

  /** The n-th annotator's layer (1-based), for the number keys. */
  annotator(n: number): ReviewLayer | undefined {
    return this.list.filter((x) => x.name.startsWith('ann:'))[n - 1];
  }

  /** Shows the mask another reviewer confirmed first; false when it cannot be read. */
  addWinner(maskPng: string | null | undefined, reviewer: string | undefined): boolean {
    const mask = this.decode(maskPng);
    if (!mask) return false;
    const i = this.list.findIndex((l) => l.name === 'winner');
    if (i >= 0) this.list.splice(i, 1);
    this.list.push({ name: 'winner', label: `Confirmed by ${reviewer ?? 'another reviewer'}`, colour: WINNER_COLOUR, swatch: WINNER_COLOUR, mask, visible: true, lineWidth: 2.5 });
    return true;
  }

  /**
   * The overlays to draw, bottom first: the proposal and the ground truth under the annotators'
   * contours, so that at high zoom, where they share pixel edges, the annotators' lines stay
   * visible on the consensus band. The proposal's contour is hidden while it is being edited.
   */
  overlays(editing: boolean): Overlay[] {
    const ordered = [...this.list.filter((l) => UNDERLAYS.has(l.name)), ...this.list.filter((l) => !UNDERLAYS.has(l.name))];
    return ordered.map((l) => ({ ...l, visible: (l.visible ?? true) && !(editing && l.name === 'consensus') }));
  }

  private decode(b64: string | null | undefined): Uint8Array | null {
    if (!b64) return null;
    try {
      return pngBase64ToMaskOfSize(b64, this.width, this.height);
    } catch {
      return null;
    }
  }

  private heat(b64: string | null | undefined): Uint16Array | null {
    if (!b64) return null;
    try {
      const img = decodeGray(base64ToBytes(b64));
      return resizeMask(img.data, img.width, img.height, this.width, this.height);
    } catch {
      // A broken heat map must not block the review.
      return null;
    }
  }
}
