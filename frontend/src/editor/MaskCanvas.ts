/**
 * MaskCanvas: the display half of the mask editor. It shows a section image,
 * an optional tint, overlays and the mask (coloured by the label table) with
 * zoom and pan, a coordinate HUD and toasts; MaskEditor adds the editing.
 * Rooms it wires together: mask.ts and labels.ts (the label buffer and its
 * colours), layers.ts (the renderer), viewport.ts (zoom and pan) and
 * overlays.ts (contours and heat maps).
 */

import { h } from '../lib/dom';
import { LabelTable, NUCLEUS } from './labels';
import { Layers } from './layers';
import { MaskModel } from './mask';
import { OverlaySet, type Overlay } from './overlays';
import { encodeLabelPng } from './labelpng';
import { bytesToBase64, maskToPngBase64 } from './png';
import type { Rect } from './raster';
import type { MaskStyle } from './render';
import type { MaskEditorOptions, RenderStats, ViewChangeDetail } from './types';
import type { View } from './view';
import { Viewport, type ViewSource } from './viewport';

const STYLE_TOAST: Record<MaskStyle, string> = { fill: 'Mask: filled', outline: 'Mask: outline only', hidden: 'Mask hidden (O shows it again)' };

export class MaskCanvas extends EventTarget {
  readonly width: number;
  readonly height: number;
  readonly root: HTMLElement;
  /** Called after every drawn frame; used by the benchmark harness. */
  renderHook: ((s: RenderStats) => void) | null = null;

  protected readonly labelTable: LabelTable;
  protected readonly model: MaskModel;
  protected readonly overlaySet: OverlaySet;
  protected readonly viewport: Viewport;
  protected readonly layers: Layers;
  /** Pointer position over the viewport (CSS px), for the HUD and tool feedback. */
  protected readonly pointer = { sx: 0, sy: 0, inside: false };
  protected disposers: (() => void)[] = [];
  private style: MaskStyle = 'fill';
  private currentImageUrl: string | null = null;

  constructor(container: HTMLElement, opts: MaskEditorOptions) {
    super();
    const { width: W, height: H } = opts;
    if (!(W > 0 && H > 0)) throw new Error('MaskEditor needs a positive width and height');
    this.width = W;
    this.height = H;
    this.labelTable = new LabelTable(opts.labels ?? [{ ...NUCLEUS, colour: opts.colour ?? NUCLEUS.colour }], opts.paintRule);
    this.model = new MaskModel(W, H, this.labelTable, opts.historySteps ?? 500);
    if (opts.mask) this.model.replace(opts.mask, 'Set mask', false);
    this.overlaySet = new OverlaySet(W, H);
    this.viewport = new Viewport(W, H, (source) => this.afterView(source));
    this.root = h('div', { class: 'cw-editor' });
    const self = this;
    const source = {
      mask: this.model.data,
      ids: this.model.ids,
      overlays: this.overlaySet,
      get palette() { return self.labelTable.palette; },
      get style() { return self.style; },
      get view() { return self.viewport.view; },
      get dpr() { return self.viewport.dpr; },
      drawTool: (g: CanvasRenderingContext2D) => this.drawTool(g),
      frameDone: (ms: number, rect: Rect | null) => {
        const work = this.frameWork();
        this.renderHook?.({ ...work, ms: ms + work.ms, rect });
      },
    };
    this.layers = new Layers(W, H, source, this.root, opts);
    this.root.appendChild(this.layers.element);
    container.appendChild(this.root);
    this.disposers.push(this.layers.observeSize((vw, vh, dpr) => this.viewport.resize(vw, vh, dpr)));
    if (opts.imageUrl) this.setImageUrl(opts.imageUrl);
  }

  get imageUrl(): string | null {
    return this.currentImageUrl;
  }

  get maskStyle(): MaskStyle {
    return this.style;
  }

  /** The label table; the drawing tools paint its active label. */
  get labels(): LabelTable {
    return this.labelTable;
  }

  /** True while the view is the automatic fit (the user has not zoomed or panned). */
  get viewIsFit(): boolean {
    return this.viewport.isFit;
  }

  /** A copy of the current mask (label values per pixel, 0 = background, row-major). */
  getMask(): Uint8Array {
    return this.model.data.slice();
  }

  /** A copy of the instance ids (0 outside instance classes). */
  getInstances(): Uint16Array {
    return this.model.ids.slice();
  }

  /** True when at least one pixel carries a label. */
  hasForeground(): boolean {
    return this.model.hasForeground();
  }

  toPngBase64(): Promise<string> {
    return Promise.resolve(this.toPngBase64Sync());
  }

  /** Synchronous variant, usable from `beforeunload` handlers. */
  toPngBase64Sync(): string {
    // An editor given a label set writes label maps (labelpng.ts); otherwise the binary mask.
    if (!this.labelTable.hasKinds) return maskToPngBase64(this.model.data, this.width, this.height);
    return bytesToBase64(encodeLabelPng(this.model.data, this.model.ids, this.width, this.height, this.labelTable));
  }

  setOverlays(list: Overlay[]): void {
    this.overlaySet.set(list);
    this.layers.markOverlays(true);
  }

  /** Shows or hides one overlay without resending the list. */
  setOverlayVisible(name: string, visible: boolean): void {
    const redraw = this.overlaySet.setVisible(name, visible);
    if (redraw !== 'none') this.layers.markOverlays(redraw === 'heat');
  }

  getOverlays(): ReadonlyArray<Readonly<Overlay>> {
    return this.overlaySet.list;
  }

  /** Loads a new background image; the old one stays until the new one has arrived. */
  setImageUrl(url: string | null): void {
    this.currentImageUrl = url;
    this.layers.loadImage(url, (ok) => this.dispatchEvent(new CustomEvent(ok ? 'imageload' : 'imageerror', { detail: { url } })));
  }

  /** Changes the corner caption given as the `label` option. */
  setLabel(text: string): void {
    this.layers.setLabel(text);
  }

  /** Tinted second image drawn over the first (e.g. fluorescence in green), blended with `screen`. */
  setTint(tint: { url: string; colour?: string; alpha?: number } | null): void {
    this.layers.loadTint(tint);
  }

  setTintAlpha(alpha: number): void {
    this.layers.setTintAlpha(alpha);
  }

  /** Colour of the active label. */
  setColour(colour: string): void {
    this.labelTable.setColour(this.labelTable.active.value, colour);
    this.layers.markMask();
  }

  setMaskStyle(style: MaskStyle): void {
    this.style = style;
    this.layers.markMask();
    this.dispatchEvent(new CustomEvent('stylechange', { detail: style }));
  }

  cycleMaskStyle(): void {
    const order: MaskStyle[] = ['fill', 'outline', 'hidden'];
    const next = order[(order.indexOf(this.style) + 1) % order.length]!;
    this.setMaskStyle(next);
    this.showToast(STYLE_TOAST[next]);
  }

  showToast(text: string, ms = 2200): void {
    this.layers.showToast(text, ms);
  }

  getView(): View {
    return { ...this.viewport.view };
  }

  /** Sets the view; `emit` fires a viewchange with source "api" (off by default to avoid loops when syncing). */
  setView(v: View, emit = false): void {
    this.viewport.set(v, emit ? 'api' : null);
  }

  resetView(): void {
    this.viewport.reset();
  }

  zoomBy(factor: number, sx?: number, sy?: number): void {
    this.viewport.zoomBy(factor, sx, sy);
  }

  destroy(): void {
    for (const d of this.disposers) d();
    this.disposers = [];
    this.layers.destroy();
    this.root.remove();
  }

  /** Draws tool feedback on the screen-space tool canvas; nothing to draw without tools. */
  protected drawTool(_g: CanvasRenderingContext2D): void {}

  /** Work done outside the frame since the last one, for the frame statistics. */
  protected frameWork(): Omit<RenderStats, 'rect'> {
    return { ms: 0, stroke: false, events: 0 };
  }

  /** The pointer moved or the view changed: new coordinates in the HUD, tool feedback redrawn. */
  protected pointerMoved(): void {
    this.layers.setHud(this.viewport.hudText(this.pointer));
    this.layers.markTool();
  }

  /**
   * Applies a view change. `source` says why it changed ("user" for zoom/pan,
   * "resize" for refits) so listeners that mirror the view into another
   * editor can ignore refits of differently sized panes.
   */
  private afterView(source: ViewSource | null): void {
    const view = this.viewport.view;
    this.layers.place(view);
    this.root.classList.toggle('cw-pixelated', view.scale >= 4);
    this.pointerMoved();
    if (source) this.dispatchEvent(new CustomEvent<ViewChangeDetail>('viewchange', { detail: { ...this.getView(), source } }));
  }
}
