/**
 * MaskEditor: the shared canvas for drawing and showing binary masks on a
 * microscopy section.
 *
 * Layers, bottom to top:
 *   image, fluorescence tint, heat map, mask  — W×H canvases inside a "stage"
 *       element positioned with one CSS transform (zoom/pan cost no redraw);
 *   overlay contours, tool feedback           — viewport-sized canvases drawn
 *       in screen space so lines stay crisp at any zoom.
 *
 * The mask itself lives in a Uint8Array and every edit goes through the pure
 * functions in raster.ts; canvases only ever display it. During a brush stroke
 * only the touched rectangle is re-rendered, once per animation frame.
 */

import { icons } from '../lib/icons';
import { isMod, isTypingTarget, type ShortcutGroup } from '../lib/keys';
import { h } from '../lib/dom';
import { traceContours, loopsFromPoints, type Loop } from './contour';
import { MaskHistory } from './history';
import { maskToPngBase64, pngBase64ToMask, resizeMask } from './png';
import {
  brushCentre,
  expandRect,
  fillHoles,
  fillPolygon,
  fullRect,
  normalise,
  stampSegment,
  unionRect,
  type Pt,
  type Rect,
} from './raster';
import { parseColour, renderMaskRgba, rgba, type MaskStyle, type Rgb } from './render';
import { clampPan, fitView, minScale, toImage, zoomAt, type View } from './view';

export type Tool = 'polygon' | 'lasso' | 'brush' | 'eraser' | 'hand';

export interface Overlay {
  name: string;
  colour?: string;
  /** Closed polylines in image pixel coordinates: [[[x, y], ...], ...]. */
  contours?: ReadonlyArray<ReadonlyArray<readonly [number, number] | number[]>>;
  /** A binary mask (W×H); its boundary is traced and drawn as a contour. */
  mask?: Uint8Array;
  /** Per-pixel counts drawn as a heat map (0 = transparent). */
  heat?: ArrayLike<number>;
  heatMax?: number;
  visible?: boolean;
  dashed?: boolean;
  lineWidth?: number;
}

export interface MaskEditorOptions {
  width: number;
  height: number;
  imageUrl?: string | null;
  mask?: Uint8Array;
  readOnly?: boolean;
  colour?: string;
  /** Listen for shortcuts on the whole document (one editor per page should). */
  keyboard?: boolean;
  /** Show the built-in tool bar. */
  toolbar?: boolean;
  brushSize?: number;
  tool?: Tool;
  historySteps?: number;
  ariaLabel?: string;
  /** Small caption in the top-left corner of the canvas (e.g. "Fluorescence"). */
  label?: string;
}

export interface SetMaskOptions {
  record?: boolean;
  label?: string;
}

export interface RenderStats {
  /** Milliseconds spent on raster work plus drawing for this frame. */
  ms: number;
  /** True while a brush/eraser stroke is in progress. */
  stroke: boolean;
  /** Pointer events folded into this frame. */
  events: number;
  rect: Rect | null;
}

export interface ViewChangeDetail extends View {
  source: 'user' | 'resize' | 'api';
}

export interface ChangeDetail {
  label: string;
  source: 'user' | 'api' | 'history';
  rect: Rect | null;
}

interface OverlayState extends Overlay {
  loops: Loop[] | null;
  rgb: Rgb;
}

type Drag =
  | { kind: 'pan'; pointerId: number; sx: number; sy: number; view: View }
  | { kind: 'stroke'; pointerId: number; value: 0 | 1; last: Pt; before: Uint8Array; rect: Rect | null }
  | { kind: 'lasso'; pointerId: number; subtract: boolean };

const TOOL_INFO: Record<Tool, { label: string; key: string; icon: string; hint: string }> = {
  polygon: { label: 'Polygon', key: 'P', icon: icons.polygon, hint: 'Click points · double-click or Enter closes · Esc cancels · Backspace removes last point · Shift subtracts' },
  lasso: { label: 'Lasso', key: 'L', icon: icons.lasso, hint: 'Drag an outline · release closes it · Shift subtracts' },
  brush: { label: 'Brush', key: 'B', icon: icons.brush, hint: 'Paint · [ ] change size · Shift erases' },
  eraser: { label: 'Eraser', key: 'E', icon: icons.eraser, hint: 'Erase · [ ] change size · Shift paints' },
  hand: { label: 'Hand', key: 'H', icon: icons.hand, hint: 'Drag to pan · wheel zooms' },
};

const EDIT_TOOLS: Tool[] = ['polygon', 'lasso', 'brush', 'eraser'];
const DOUBLE_CLICK_MS = 350;

export class MaskEditor extends EventTarget {
  readonly width: number;
  readonly height: number;
  readonly root: HTMLElement;

  /** Called after every drawn frame; used by the benchmark harness. */
  renderHook: ((s: RenderStats) => void) | null = null;

  private mask: Uint8Array;
  private history: MaskHistory;
  private readOnlyFlag: boolean;
  private toolName: Tool;
  private brush: number;
  private colourRgb: Rgb;
  private style: MaskStyle = 'fill';
  private overlays: OverlayState[] = [];
  private imageToken = 0;
  private tintToken = 0;
  private currentImageUrl: string | null = null;

  private viewport: HTMLElement;
  private stage: HTMLElement;
  private imageCanvas: HTMLCanvasElement;
  private tintCanvas: HTMLCanvasElement;
  private heatCanvas: HTMLCanvasElement;
  private maskCanvas: HTMLCanvasElement;
  private overlayCanvas: HTMLCanvasElement;
  private toolCanvas: HTMLCanvasElement;
  private maskCtx: CanvasRenderingContext2D;
  private hud: HTMLElement;
  private toast: HTMLElement;
  private toolbarEl: HTMLElement | null = null;
  private toolButtons = new Map<Tool, HTMLButtonElement>();
  private undoBtn: HTMLButtonElement | null = null;
  private redoBtn: HTMLButtonElement | null = null;
  private sizeInput: HTMLInputElement | null = null;
  private sizeValue: HTMLElement | null = null;
  private hintEl: HTMLElement;

  private view: View = { scale: 1, tx: 0, ty: 0 };
  private fit: View = { scale: 1, tx: 0, ty: 0 };
  private vw = 0;
  private vh = 0;
  private dpr = 1;
  private viewTouched = false;

  private drag: Drag | null = null;
  private polygon: Pt[] | null = null;
  private polygonSubtract = false;
  private lastPolygonClick = { t: 0, sx: 0, sy: 0 };
  private lasso: Pt[] | null = null;
  private pointer: { sx: number; sy: number; inside: boolean } = { sx: 0, sy: 0, inside: false };
  private spaceDown = false;
  private shiftDown = false;

  private dirtyMask: Rect | null = null;
  private heatDirty = false;
  private overlayDirty = false;
  private toolDirty = false;
  private frameReq = 0;
  private pendingWorkMs = 0;
  private pendingEvents = 0;
  private toastTimer = 0;
  private disposers: (() => void)[] = [];

  constructor(container: HTMLElement, opts: MaskEditorOptions) {
    super();
    const { width: W, height: H } = opts;
    if (!(W > 0 && H > 0)) throw new Error('MaskEditor needs a positive width and height');
    this.width = W;
    this.height = H;
    this.readOnlyFlag = opts.readOnly ?? false;
    this.toolName = opts.tool ?? 'brush';
    this.brush = clampSize(opts.brushSize ?? 12);
    this.colourRgb = parseColour(opts.colour ?? '#00e5ff');
    this.mask = new Uint8Array(W * H);
    if (opts.mask) this.mask.set(normalise(Uint8Array.from(opts.mask)).subarray(0, W * H));
    this.history = new MaskHistory(W, H, { maxSteps: opts.historySteps ?? 500 });

    const layer = (cls: string) => {
      const c = h('canvas', { class: `cw-layer ${cls}`, width: W, height: H });
      return c;
    };
    this.imageCanvas = layer('cw-layer-image');
    this.tintCanvas = layer('cw-layer-tint');
    this.heatCanvas = layer('cw-layer-heat');
    this.maskCanvas = layer('cw-layer-mask');
    this.maskCtx = this.maskCanvas.getContext('2d')!;
    this.stage = h('div', { class: 'cw-editor-stage' }, this.imageCanvas, this.tintCanvas, this.heatCanvas, this.maskCanvas);
    this.stage.style.width = `${W}px`;
    this.stage.style.height = `${H}px`;
    this.overlayCanvas = h('canvas', { class: 'cw-screen-layer' });
    this.toolCanvas = h('canvas', { class: 'cw-screen-layer' });
    this.hud = h('div', { class: 'cw-editor-hud', 'aria-live': 'off' });
    this.hintEl = h('div', { class: 'cw-editor-hint' });
    this.toast = h('div', { class: 'cw-editor-toast', role: 'status', 'aria-live': 'polite' });
    this.viewport = h(
      'div',
      { class: 'cw-editor-viewport', tabindex: 0, 'aria-label': opts.ariaLabel ?? 'Section image and mask editor' },
      this.stage,
      this.overlayCanvas,
      this.toolCanvas,
      this.hud,
      this.hintEl,
      this.toast,
      opts.label ? h('div', { class: 'cw-editor-label' }, opts.label) : null,
      h('div', { class: 'cw-editor-loading', 'aria-hidden': 'true' }),
    );
    this.root = h('div', { class: 'cw-editor' });
    if (opts.toolbar !== false) {
      this.toolbarEl = h('div', { class: 'cw-toolbar', role: 'toolbar', 'aria-label': 'Mask tools' });
      this.root.appendChild(this.toolbarEl);
    }
    this.root.appendChild(this.viewport);
    container.appendChild(this.root);

    this.buildToolbar();
    this.bindPointer();
    if (opts.keyboard !== false) this.bindKeyboard();
    this.bindResize();
    this.applyModeClasses();
    this.dirtyMask = fullRect(W, H);
    this.requestFrame();
    if (opts.imageUrl) this.setImageUrl(opts.imageUrl);
  }

  // ---------------------------------------------------------------- public API

  get tool(): Tool {
    return this.toolName;
  }

  get readOnly(): boolean {
    return this.readOnlyFlag;
  }

  get brushSize(): number {
    return this.brush;
  }

  get canUndo(): boolean {
    return this.history.canUndo;
  }

  get canRedo(): boolean {
    return this.history.canRedo;
  }

  get undoDepth(): number {
    return this.history.undoDepth;
  }

  get imageUrl(): string | null {
    return this.currentImageUrl;
  }

  /** A copy of the current mask (0/1 per pixel, row-major). */
  getMask(): Uint8Array {
    return this.mask.slice();
  }

  /** True when at least one pixel is set. */
  hasForeground(): boolean {
    return this.mask.includes(1);
  }

  /**
   * Replaces the mask. With `record` (default) the change is one undo step;
   * without it the history is cleared, since older steps would no longer
   * apply to the new content.
   */
  setMask(m: Uint8Array, opts: SetMaskOptions = {}): void {
    const next = normalise(Uint8Array.from(m.subarray(0, this.width * this.height)));
    if (next.length !== this.mask.length) throw new Error('mask size does not match the editor');
    this.cancelShape();
    const label = opts.label ?? 'Set mask';
    if (opts.record ?? true) {
      const before = this.mask.slice();
      this.mask.set(next);
      const rect = this.history.record(before, this.mask, label);
      if (rect) this.afterChange(label, 'api', rect);
    } else {
      this.mask.set(next);
      this.history.clear();
      this.afterChange(label, 'api', fullRect(this.width, this.height));
    }
  }

  toPngBase64(): Promise<string> {
    return Promise.resolve(this.toPngBase64Sync());
  }

  /** Synchronous variant, usable from `beforeunload` handlers. */
  toPngBase64Sync(): string {
    return maskToPngBase64(this.mask, this.width, this.height);
  }

  fromPngBase64(b64: string, opts: SetMaskOptions = {}): void {
    const d = pngBase64ToMask(b64);
    this.setMask(resizeMask(d.mask, d.width, d.height, this.width, this.height), opts);
  }

  setOverlays(list: Overlay[]): void {
    const previous = new Map(this.overlays.map((o) => [o.name, o]));
    this.overlays = list.map((o) => {
      const old = previous.get(o.name);
      const sameSource = old && old.mask === o.mask && old.contours === o.contours;
      return {
        ...o,
        visible: o.visible ?? true,
        rgb: parseColour(o.colour ?? '#ffffff', { r: 255, g: 255, b: 255 }),
        loops: sameSource ? old.loops : null,
      };
    });
    this.heatDirty = true;
    this.overlayDirty = true;
    this.requestFrame();
  }

  /** Shows or hides one overlay without resending the list. */
  setOverlayVisible(name: string, visible: boolean): void {
    const o = this.overlays.find((x) => x.name === name);
    if (!o || o.visible === visible) return;
    o.visible = visible;
    if (o.heat) this.heatDirty = true;
    this.overlayDirty = true;
    this.requestFrame();
  }

  getOverlays(): ReadonlyArray<Readonly<Overlay>> {
    return this.overlays;
  }

  /**
   * Loads a new background image. The old image stays visible until the new
   * one has arrived, and a slow response never replaces a newer one.
   */
  setImageUrl(url: string | null): void {
    const token = ++this.imageToken;
    this.currentImageUrl = url;
    const ctx = this.imageCanvas.getContext('2d')!;
    if (!url) {
      ctx.clearRect(0, 0, this.width, this.height);
      return;
    }
    this.root.classList.add('is-loading');
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => {
      if (token !== this.imageToken) return;
      ctx.clearRect(0, 0, this.width, this.height);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(img, 0, 0, this.width, this.height);
      this.root.classList.remove('is-loading', 'has-image-error');
      this.dispatchEvent(new CustomEvent('imageload', { detail: { url } }));
    };
    img.onerror = () => {
      if (token !== this.imageToken) return;
      this.root.classList.remove('is-loading');
      this.root.classList.add('has-image-error');
      this.showToast('The section image could not be loaded — check the connection and reload.', 6000);
      this.dispatchEvent(new CustomEvent('imageerror', { detail: { url } }));
    };
    img.src = url;
  }

  /**
   * Tinted second image drawn over the first (e.g. fluorescence in green),
   * blended with `screen` so dark areas stay transparent.
   */
  setTint(tint: { url: string; colour?: string; alpha?: number } | null): void {
    const token = ++this.tintToken;
    const ctx = this.tintCanvas.getContext('2d')!;
    if (!tint) {
      ctx.clearRect(0, 0, this.width, this.height);
      this.tintCanvas.style.opacity = '0';
      return;
    }
    this.tintCanvas.style.opacity = String(tint.alpha ?? 0.6);
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => {
      if (token !== this.tintToken) return;
      ctx.globalCompositeOperation = 'source-over';
      ctx.clearRect(0, 0, this.width, this.height);
      ctx.drawImage(img, 0, 0, this.width, this.height);
      ctx.globalCompositeOperation = 'multiply';
      ctx.fillStyle = tint.colour ?? '#00ff00';
      ctx.fillRect(0, 0, this.width, this.height);
      ctx.globalCompositeOperation = 'source-over';
    };
    img.onerror = () => {
      if (token === this.tintToken) this.showToast('The fluorescence image could not be loaded.', 4000);
    };
    img.src = tint.url;
  }

  setTintAlpha(alpha: number): void {
    this.tintCanvas.style.opacity = String(alpha);
  }

  setReadOnly(readOnly: boolean): void {
    if (readOnly === this.readOnlyFlag) return;
    this.cancelShape();
    this.endDrag();
    this.readOnlyFlag = readOnly;
    this.buildToolbar();
    this.applyModeClasses();
    this.toolDirty = true;
    this.requestFrame();
  }

  setColour(colour: string): void {
    this.colourRgb = parseColour(colour);
    this.dirtyMask = fullRect(this.width, this.height);
    this.requestFrame();
  }

  setMaskStyle(style: MaskStyle): void {
    this.style = style;
    this.dirtyMask = fullRect(this.width, this.height);
    this.requestFrame();
    this.dispatchEvent(new CustomEvent('stylechange', { detail: style }));
  }

  get maskStyle(): MaskStyle {
    return this.style;
  }

  cycleMaskStyle(): void {
    const order: MaskStyle[] = ['fill', 'outline', 'hidden'];
    const next = order[(order.indexOf(this.style) + 1) % order.length]!;
    this.setMaskStyle(next);
    this.showToast(next === 'fill' ? 'Mask: filled' : next === 'outline' ? 'Mask: outline only' : 'Mask hidden (O shows it again)');
  }

  setTool(tool: Tool): void {
    if (this.readOnlyFlag && tool !== 'hand') return;
    if (tool === this.toolName) return;
    this.cancelShape();
    this.toolName = tool;
    this.applyModeClasses();
    for (const [t, b] of this.toolButtons) b.setAttribute('aria-pressed', String(t === tool));
    this.hintEl.textContent = this.readOnlyFlag ? '' : TOOL_INFO[tool].hint;
    this.toolDirty = true;
    this.requestFrame();
    this.dispatchEvent(new CustomEvent('toolchange', { detail: tool }));
  }

  setBrushSize(size: number): void {
    this.brush = clampSize(size);
    if (this.sizeInput) this.sizeInput.value = String(this.brush);
    if (this.sizeValue) this.sizeValue.textContent = `${this.brush} px`;
    this.toolDirty = true;
    this.requestFrame();
  }

  undo(): boolean {
    if (this.readOnlyFlag) return false;
    if (this.polygon) {
      // Undo inside an unfinished polygon removes its last point first.
      this.popPolygonPoint();
      return true;
    }
    const e = this.history.undo(this.mask);
    if (!e) {
      this.showToast('Nothing to undo');
      return false;
    }
    this.afterChange(`Undo: ${e.label}`, 'history', e.rect);
    this.showToast(`Undone: ${e.label}`);
    return true;
  }

  redo(): boolean {
    if (this.readOnlyFlag) return false;
    const e = this.history.redo(this.mask);
    if (!e) {
      this.showToast('Nothing to redo');
      return false;
    }
    this.afterChange(`Redo: ${e.label}`, 'history', e.rect);
    this.showToast(`Redone: ${e.label}`);
    return true;
  }

  fillHoles(): void {
    if (this.readOnlyFlag) return;
    const changed = this.applyOp('Fill holes', () => fillHoles(this.mask, this.width, this.height));
    this.showToast(changed ? 'Holes filled' : 'No enclosed holes to fill');
  }

  clear(): void {
    if (this.readOnlyFlag) return;
    const changed = this.applyOp('Clear', () => {
      this.mask.fill(0);
      return fullRect(this.width, this.height);
    });
    if (changed) this.showToast('Mask cleared — Ctrl+Z brings it back', 4000);
  }

  /** True while the view is the automatic fit (the user has not zoomed or panned). */
  get viewIsFit(): boolean {
    return !this.viewTouched;
  }

  getView(): View {
    return { ...this.view };
  }

  /** Sets the view; `emit` fires a viewchange with source "api" (off by default to avoid loops when syncing). */
  setView(v: View, emit = false): void {
    this.view = { scale: v.scale, tx: v.tx, ty: v.ty };
    this.viewTouched = true;
    this.applyView(emit ? 'api' : null);
  }

  resetView(): void {
    this.viewTouched = false;
    this.view = { ...this.fit };
    this.applyView('user');
  }

  zoomBy(factor: number, sx = this.vw / 2, sy = this.vh / 2): void {
    this.viewTouched = true;
    this.view = zoomAt(this.view, factor, sx, sy, minScale(this.fit));
    this.applyView('user');
  }

  showToast(text: string, ms = 2200): void {
    this.toast.textContent = text;
    this.toast.classList.add('is-visible');
    window.clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => this.toast.classList.remove('is-visible'), ms);
  }

  shortcuts(): ShortcutGroup[] {
    const groups: ShortcutGroup[] = [];
    if (!this.readOnlyFlag) {
      groups.push({
        title: 'Drawing',
        items: [
          { keys: 'P', label: 'Polygon: click points, double-click / Enter closes, Esc cancels, Backspace removes last point' },
          { keys: 'L', label: 'Lasso: drag an outline, release closes' },
          { keys: 'B / E', label: 'Brush / Eraser' },
          { keys: '[ / ]', label: 'Smaller / larger brush' },
          { keys: 'Shift + draw', label: 'Subtract with polygon/lasso, erase with brush' },
          { keys: 'F', label: 'Fill holes' },
          { keys: 'Shift+Delete', label: 'Clear mask (undoable)' },
          { keys: 'Ctrl+Z', label: 'Undo' },
          { keys: 'Ctrl+Shift+Z / Ctrl+Y', label: 'Redo' },
          { keys: 'O', label: 'Mask: filled / outline / hidden' },
        ],
      });
    }
    groups.push({
      title: 'View',
      items: [
        { keys: 'Wheel / + −', label: 'Zoom (around the cursor)' },
        { keys: '0', label: 'Fit image to window' },
        { keys: 'H', label: 'Hand tool' },
        { keys: 'Space + drag', label: 'Pan (also middle or right drag)' },
      ],
    });
    return groups;
  }

  destroy(): void {
    for (const d of this.disposers) d();
    this.disposers = [];
    if (this.frameReq) cancelAnimationFrame(this.frameReq);
    this.root.remove();
  }

  // ---------------------------------------------------------------- internals

  private afterChange(label: string, source: ChangeDetail['source'], rect: Rect | null): void {
    if (rect) this.dirtyMask = unionRect(this.dirtyMask, rect);
    this.requestFrame();
    this.updateHistoryButtons();
    this.dispatchEvent(new CustomEvent<ChangeDetail>('change', { detail: { label, source, rect } }));
  }

  /** Runs a mask operation as one undo step; returns whether anything changed. */
  private applyOp(label: string, op: () => Rect | null): boolean {
    const before = this.mask.slice();
    const hint = op();
    if (!hint) return false;
    const rect = this.history.record(before, this.mask, label, hint);
    if (!rect) return false;
    this.afterChange(label, 'user', rect);
    return true;
  }

  private requestFrame(): void {
    if (!this.frameReq) this.frameReq = requestAnimationFrame(this.flush);
  }

  private flush = (): void => {
    this.frameReq = 0;
    const t0 = performance.now();
    const rect = this.dirtyMask;
    if (rect) {
      this.dirtyMask = null;
      this.renderMask(rect);
    }
    if (this.heatDirty) {
      this.heatDirty = false;
      this.renderHeat();
    }
    if (this.overlayDirty) {
      this.overlayDirty = false;
      this.renderOverlays();
    }
    if (this.toolDirty) {
      this.toolDirty = false;
      this.renderTool();
    }
    const ms = performance.now() - t0 + this.pendingWorkMs;
    const events = this.pendingEvents;
    this.pendingWorkMs = 0;
    this.pendingEvents = 0;
    this.renderHook?.({ ms, stroke: this.drag?.kind === 'stroke', events, rect });
  };

  private renderMask(rect: Rect): void {
    // One pixel of margin: the outline of neighbours may change too.
    const r = expandRect(rect, 1, this.width, this.height);
    if (!r) return;
    const img = this.maskCtx.createImageData(r.w, r.h);
    renderMaskRgba(this.mask, this.width, this.height, r, img.data, this.colourRgb, this.style);
    this.maskCtx.putImageData(img, r.x, r.y);
  }

  private renderHeat(): void {
    const ctx = this.heatCanvas.getContext('2d')!;
    ctx.clearRect(0, 0, this.width, this.height);
    const heats = this.overlays.filter((o) => o.visible && o.heat);
    if (!heats.length) return;
    const img = ctx.createImageData(this.width, this.height);
    const d = img.data;
    for (const o of heats) {
      const values = o.heat!;
      let max = o.heatMax ?? 0;
      if (!max) for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
      if (!max) continue;
      const n = Math.min(values.length, this.width * this.height);
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (!v) continue;
        const t = Math.min(1, v / max);
        // Yellow (few disagree) to red (all disagree), stronger with more disagreement.
        const o4 = i * 4;
        d[o4] = 255;
        d[o4 + 1] = Math.round(220 * (1 - t));
        d[o4 + 2] = 0;
        d[o4 + 3] = Math.max(d[o4 + 3]!, Math.round(70 + 130 * t));
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  private screenCtx(c: HTMLCanvasElement): CanvasRenderingContext2D {
    const ctx = c.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    return ctx;
  }

  private renderOverlays(): void {
    const ctx = this.screenCtx(this.overlayCanvas);
    const { scale: s, tx, ty } = this.view;
    const k = this.dpr;
    ctx.setTransform(k * s, 0, 0, k * s, k * tx, k * ty);
    ctx.lineJoin = 'round';
    for (const o of this.overlays) {
      if (!o.visible || (!o.mask && !o.contours)) continue;
      if (!o.loops) {
        o.loops = o.mask ? traceContours(o.mask, this.width, this.height) : loopsFromPoints(o.contours!);
      }
      if (!o.loops.length) continue;
      ctx.beginPath();
      for (const loop of o.loops) {
        if (loop.length < 4) continue;
        ctx.moveTo(loop[0]!, loop[1]!);
        for (let i = 2; i < loop.length; i += 2) ctx.lineTo(loop[i]!, loop[i + 1]!);
        ctx.closePath();
      }
      const lw = o.lineWidth ?? 1.75;
      // A dark halo under each line keeps thin contours readable on bright cytoplasm.
      ctx.setLineDash([]);
      ctx.strokeStyle = 'rgba(0,0,0,0.55)';
      ctx.lineWidth = (lw + 2) / s;
      if (!o.dashed) ctx.stroke();
      ctx.setLineDash(o.dashed ? [7 / s, 5 / s] : []);
      ctx.strokeStyle = rgba(o.rgb, 1);
      ctx.lineWidth = lw / s;
      ctx.stroke();
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  private renderTool(): void {
    const ctx = this.screenCtx(this.toolCanvas);
    const k = this.dpr;
    ctx.setTransform(k, 0, 0, k, 0, 0);
    const { scale: s, tx, ty } = this.view;
    const sx = (x: number) => x * s + tx;
    const sy = (y: number) => y * s + ty;
    const add = this.colourRgb;
    const sub = { r: 255, g: 80, b: 80 };

    if (this.polygon && this.polygon.length) {
      const subtract = this.polygonSubtract || this.shiftDown;
      const c = subtract ? sub : add;
      const pts = this.polygon;
      ctx.beginPath();
      ctx.moveTo(sx(pts[0]![0]), sy(pts[0]![1]));
      for (const p of pts.slice(1)) ctx.lineTo(sx(p[0]), sy(p[1]));
      if (this.pointer.inside) ctx.lineTo(this.pointer.sx, this.pointer.sy);
      ctx.fillStyle = rgba(c, 0.15);
      ctx.fill();
      ctx.strokeStyle = 'rgba(0,0,0,0.6)';
      ctx.lineWidth = 3.5;
      ctx.stroke();
      ctx.strokeStyle = rgba(c, 1);
      ctx.lineWidth = 1.5;
      ctx.stroke();
      pts.forEach((p, i) => {
        ctx.beginPath();
        ctx.arc(sx(p[0]), sy(p[1]), i === 0 ? 5 : 3, 0, Math.PI * 2);
        ctx.fillStyle = i === 0 ? '#ffffff' : rgba(c, 1);
        ctx.fill();
        ctx.strokeStyle = 'rgba(0,0,0,0.7)';
        ctx.lineWidth = 1;
        ctx.stroke();
      });
    }
    if (this.lasso && this.lasso.length > 1) {
      const c = this.drag?.kind === 'lasso' && (this.drag.subtract || this.shiftDown) ? sub : add;
      ctx.beginPath();
      ctx.moveTo(sx(this.lasso[0]![0]), sy(this.lasso[0]![1]));
      for (const p of this.lasso) ctx.lineTo(sx(p[0]), sy(p[1]));
      ctx.closePath();
      ctx.fillStyle = rgba(c, 0.15);
      ctx.fill();
      ctx.strokeStyle = rgba(c, 1);
      ctx.lineWidth = 1.5;
      ctx.setLineDash([5, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const brushing = (this.toolName === 'brush' || this.toolName === 'eraser') && !this.readOnlyFlag;
    if (brushing && this.pointer.inside && !this.spaceDown && this.drag?.kind !== 'pan') {
      const [ix, iy] = toImage(this.view, this.pointer.sx, this.pointer.sy);
      const cx = brushCentre(ix, this.brush);
      const cy = brushCentre(iy, this.brush);
      const r = Math.max(1.5, (this.brush / 2) * s);
      const erasing = (this.toolName === 'eraser') !== this.shiftDown;
      ctx.beginPath();
      ctx.arc(sx(cx), sy(cy), r, 0, Math.PI * 2);
      ctx.strokeStyle = 'rgba(0,0,0,0.7)';
      ctx.lineWidth = 3;
      ctx.stroke();
      ctx.strokeStyle = erasing ? '#ff6b6b' : '#ffffff';
      ctx.lineWidth = 1.25;
      if (erasing) ctx.setLineDash([3, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  /**
   * Applies the view transform. `source` says why it changed ("user" for
   * zoom/pan, "resize" for refits) so listeners that mirror the view into
   * another editor can ignore refits of differently sized panes.
   */
  private applyView(source: ViewChangeDetail['source'] | null): void {
    this.view = clampPan(this.view, this.width, this.height, this.vw, this.vh);
    const { scale, tx, ty } = this.view;
    this.stage.style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`;
    this.root.classList.toggle('cw-pixelated', scale >= 4);
    this.overlayDirty = true;
    this.toolDirty = true;
    this.requestFrame();
    this.updateHud();
    if (source) this.dispatchEvent(new CustomEvent<ViewChangeDetail>('viewchange', { detail: { ...this.getView(), source } }));
  }

  private bindResize(): void {
    const onResize = () => {
      const r = this.viewport.getBoundingClientRect();
      const vw = Math.max(1, Math.round(r.width));
      const vh = Math.max(1, Math.round(r.height));
      const dpr = window.devicePixelRatio || 1;
      if (vw === this.vw && vh === this.vh && dpr === this.dpr) return;
      this.vw = vw;
      this.vh = vh;
      this.dpr = dpr;
      for (const c of [this.overlayCanvas, this.toolCanvas]) {
        c.width = Math.round(vw * dpr);
        c.height = Math.round(vh * dpr);
      }
      this.fit = fitView(this.width, this.height, vw, vh);
      if (!this.viewTouched) this.view = { ...this.fit };
      this.applyView('resize');
    };
    const ro = new ResizeObserver(onResize);
    ro.observe(this.viewport);
    this.disposers.push(() => ro.disconnect());
    onResize();
  }

  private local(ev: { clientX: number; clientY: number }): [number, number] {
    const r = this.viewport.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  }

  private bindPointer(): void {
    const vp = this.viewport;
    const on = <K extends keyof HTMLElementEventMap>(
      t: K,
      fn: (ev: HTMLElementEventMap[K]) => void,
      opts?: AddEventListenerOptions,
    ) => {
      vp.addEventListener(t, fn as EventListener, opts);
      this.disposers.push(() => vp.removeEventListener(t, fn as EventListener, opts));
    };
    on('contextmenu', (ev) => ev.preventDefault());
    on('pointerdown', (ev) => this.onPointerDown(ev));
    on('pointermove', (ev) => this.onPointerMove(ev));
    on('pointerup', (ev) => this.onPointerUp(ev));
    on('pointercancel', (ev) => this.onPointerUp(ev, true));
    on('pointerleave', () => {
      this.pointer.inside = false;
      this.toolDirty = true;
      this.updateHud();
      this.requestFrame();
    });
    on('dblclick', (ev) => {
      if (this.toolName === 'polygon' && this.polygon) {
        ev.preventDefault();
        this.closePolygon(ev.shiftKey);
      }
    });
    on(
      'wheel',
      (ev) => {
        ev.preventDefault();
        const [sx, sy] = this.local(ev);
        const delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaMode === 2 ? ev.deltaY * 400 : ev.deltaY;
        this.zoomBy(Math.exp(-Math.max(-300, Math.min(300, delta)) * 0.0022), sx, sy);
      },
      { passive: false },
    );
  }

  private onPointerDown(ev: PointerEvent): void {
    if (this.drag) return;
    this.viewport.focus({ preventScroll: true });
    const [sx, sy] = this.local(ev);
    this.pointer = { sx, sy, inside: true };
    const pan =
      ev.button === 1 || ev.button === 2 || this.spaceDown || this.toolName === 'hand' || (this.readOnlyFlag && ev.button === 0);
    if (pan) {
      ev.preventDefault();
      this.drag = { kind: 'pan', pointerId: ev.pointerId, sx, sy, view: { ...this.view } };
      this.viewport.setPointerCapture(ev.pointerId);
      this.applyModeClasses();
      return;
    }
    if (ev.button !== 0 || this.readOnlyFlag) return;
    ev.preventDefault();
    const [x, y] = toImage(this.view, sx, sy);
    switch (this.toolName) {
      case 'brush':
      case 'eraser': {
        const t0 = performance.now();
        const paint = (this.toolName === 'brush') !== ev.shiftKey;
        const value: 0 | 1 = paint ? 1 : 0;
        const cx = brushCentre(x, this.brush);
        const cy = brushCentre(y, this.brush);
        const before = this.mask.slice();
        const rect = stampSegment(this.mask, this.width, this.height, cx, cy, cx, cy, this.brush, value);
        this.drag = { kind: 'stroke', pointerId: ev.pointerId, value, last: [cx, cy], before, rect };
        this.viewport.setPointerCapture(ev.pointerId);
        this.dirtyMask = unionRect(this.dirtyMask, rect);
        this.pendingWorkMs += performance.now() - t0;
        this.pendingEvents++;
        break;
      }
      case 'lasso':
        this.lasso = [[x, y]];
        this.drag = { kind: 'lasso', pointerId: ev.pointerId, subtract: ev.shiftKey };
        this.viewport.setPointerCapture(ev.pointerId);
        break;
      case 'polygon': {
        const now = performance.now();
        const last = this.lastPolygonClick;
        const isDouble = now - last.t < DOUBLE_CLICK_MS && Math.hypot(sx - last.sx, sy - last.sy) < 5;
        this.lastPolygonClick = { t: now, sx, sy };
        if (!this.polygon) {
          this.polygon = [[x, y]];
          this.polygonSubtract = ev.shiftKey;
        } else if (isDouble) {
          this.closePolygon(ev.shiftKey);
        } else {
          const first = this.polygon[0]!;
          const near = Math.hypot(first[0] * this.view.scale + this.view.tx - sx, first[1] * this.view.scale + this.view.ty - sy) < 9;
          if (near && this.polygon.length >= 3) this.closePolygon(ev.shiftKey);
          else this.polygon.push([x, y]);
        }
        break;
      }
      default:
        break;
    }
    this.toolDirty = true;
    this.requestFrame();
  }

  private onPointerMove(ev: PointerEvent): void {
    const [sx, sy] = this.local(ev);
    this.pointer = { sx, sy, inside: true };
    const d = this.drag;
    if (d && d.pointerId === ev.pointerId) {
      if (d.kind === 'pan') {
        this.viewTouched = true;
        this.view = { scale: this.view.scale, tx: d.view.tx + sx - d.sx, ty: d.view.ty + sy - d.sy };
        this.applyView('user');
      } else if (d.kind === 'stroke') {
        const t0 = performance.now();
        const events = typeof ev.getCoalescedEvents === 'function' ? ev.getCoalescedEvents() : [];
        const list = events.length ? events : [ev];
        const r = this.viewport.getBoundingClientRect();
        for (const e of list) {
          const [x, y] = toImage(this.view, e.clientX - r.left, e.clientY - r.top);
          const cx = brushCentre(x, this.brush);
          const cy = brushCentre(y, this.brush);
          if (cx === d.last[0] && cy === d.last[1]) continue;
          const rect = stampSegment(this.mask, this.width, this.height, d.last[0], d.last[1], cx, cy, this.brush, d.value);
          d.last = [cx, cy];
          if (rect) {
            d.rect = unionRect(d.rect, rect);
            this.dirtyMask = unionRect(this.dirtyMask, rect);
          }
        }
        this.pendingWorkMs += performance.now() - t0;
        this.pendingEvents++;
      } else if (d.kind === 'lasso' && this.lasso) {
        const [x, y] = toImage(this.view, sx, sy);
        const last = this.lasso[this.lasso.length - 1]!;
        if (Math.hypot((x - last[0]) * this.view.scale, (y - last[1]) * this.view.scale) >= 1.5) this.lasso.push([x, y]);
      }
    }
    this.toolDirty = true;
    this.updateHud();
    this.requestFrame();
  }

  private onPointerUp(ev: PointerEvent, cancelled = false): void {
    const d = this.drag;
    if (!d || d.pointerId !== ev.pointerId) return;
    this.drag = null;
    if (this.viewport.hasPointerCapture(ev.pointerId)) this.viewport.releasePointerCapture(ev.pointerId);
    if (d.kind === 'stroke') {
      const label = d.value ? 'Brush stroke' : 'Erase stroke';
      const rect = this.history.record(d.before, this.mask, label, d.rect);
      if (rect) this.afterChange(label, 'user', rect);
    } else if (d.kind === 'lasso') {
      const pts = this.lasso;
      this.lasso = null;
      if (pts && pts.length >= 3 && !cancelled) {
        const value: 0 | 1 = d.subtract || ev.shiftKey ? 0 : 1;
        this.applyOp(value ? 'Lasso' : 'Lasso subtract', () => fillPolygon(this.mask, this.width, this.height, pts, value));
      }
    }
    this.applyModeClasses();
    this.toolDirty = true;
    this.requestFrame();
  }

  private endDrag(): void {
    if (this.drag?.kind === 'stroke') {
      const d = this.drag;
      this.drag = null;
      const rect = this.history.record(d.before, this.mask, 'Brush stroke', d.rect);
      if (rect) this.afterChange('Brush stroke', 'user', rect);
    }
    this.drag = null;
    this.lasso = null;
  }

  private closePolygon(shift: boolean): void {
    const pts = this.polygon;
    this.polygon = null;
    this.toolDirty = true;
    this.requestFrame();
    if (!pts) return;
    // Drop points repeated by the clicks of a double-click.
    const clean: Pt[] = [];
    for (const p of pts) {
      const q = clean[clean.length - 1];
      if (!q || Math.hypot((p[0] - q[0]) * this.view.scale, (p[1] - q[1]) * this.view.scale) >= 2) clean.push(p);
    }
    if (clean.length < 3) {
      this.showToast('A polygon needs at least 3 points');
      return;
    }
    const value: 0 | 1 = this.polygonSubtract || shift ? 0 : 1;
    this.applyOp(value ? 'Polygon' : 'Polygon subtract', () => fillPolygon(this.mask, this.width, this.height, clean, value));
  }

  private popPolygonPoint(): void {
    if (!this.polygon) return;
    this.polygon.pop();
    if (!this.polygon.length) this.polygon = null;
    this.toolDirty = true;
    this.requestFrame();
  }

  private cancelShape(): void {
    if (this.polygon || this.lasso) {
      this.polygon = null;
      this.lasso = null;
      if (this.drag?.kind === 'lasso') this.drag = null;
      this.toolDirty = true;
      this.requestFrame();
    }
  }

  private bindKeyboard(): void {
    const down = (ev: KeyboardEvent) => this.onKeyDown(ev);
    const up = (ev: KeyboardEvent) => {
      if (ev.key === 'Shift') {
        this.shiftDown = false;
        this.toolDirty = true;
        this.requestFrame();
      }
      if (ev.key === ' ') {
        this.spaceDown = false;
        this.applyModeClasses();
      }
    };
    const blur = () => {
      this.spaceDown = false;
      this.shiftDown = false;
      this.applyModeClasses();
    };
    document.addEventListener('keydown', down);
    document.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    this.disposers.push(() => {
      document.removeEventListener('keydown', down);
      document.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    });
  }

  private onKeyDown(ev: KeyboardEvent): void {
    if (ev.defaultPrevented || isTypingTarget(ev.target) || !this.root.isConnected) return;
    // Editors inside hidden panels must not react.
    if (this.root.offsetParent === null) return;
    if (ev.key === 'Shift') {
      this.shiftDown = true;
      this.toolDirty = true;
      this.requestFrame();
      return;
    }
    const action = this.keyAction(ev);
    if (action) {
      ev.preventDefault();
      action();
    }
  }

  private keyAction(ev: KeyboardEvent): (() => void) | null {
    const key = ev.key;
    if (isMod(ev)) {
      if (ev.altKey) return null;
      const k = key.toLowerCase();
      if (k === 'z' && !ev.shiftKey) return () => void this.undo();
      if ((k === 'z' && ev.shiftKey) || k === 'y') return () => void this.redo();
      return null;
    }
    if (ev.altKey) return null;
    if (key === ' ') {
      // A focused control keeps Space for itself (toggling a checkbox, pressing a button).
      if (ev.target instanceof Element && ev.target.closest('button, input, select, textarea, a[href], summary, [role="button"]')) return null;
      // Otherwise Space-drag pans, and the page must not scroll.
      return () => {
        if (!this.spaceDown) {
          this.spaceDown = true;
          this.applyModeClasses();
        }
      };
    }
    if (this.polygon) {
      if (key === 'Enter') return () => this.closePolygon(ev.shiftKey);
      if (key === 'Escape') {
        return () => {
          this.cancelShape();
          this.showToast('Polygon cancelled');
        };
      }
      if (key === 'Backspace') return () => this.popPolygonPoint();
    }
    if (key === 'Escape' && this.lasso) return () => this.cancelShape();
    if ((key === 'Delete' || key === 'Backspace') && ev.shiftKey) return this.readOnlyFlag ? null : () => this.clear();
    switch (key) {
      case '+':
      case '=':
        return () => this.zoomBy(1.25);
      case '-':
      case '_':
        return () => this.zoomBy(0.8);
      case '0':
        return () => this.resetView();
      case '[':
        return this.readOnlyFlag ? null : () => this.setBrushSize(this.brush - brushStep(this.brush));
      case ']':
        return this.readOnlyFlag ? null : () => this.setBrushSize(this.brush + brushStep(this.brush));
      default:
        break;
    }
    if (ev.shiftKey) return null;
    const k = key.toLowerCase();
    const toolKey: Record<string, Tool> = { p: 'polygon', l: 'lasso', b: 'brush', e: 'eraser', h: 'hand' };
    const t = toolKey[k];
    if (t) return this.readOnlyFlag && t !== 'hand' ? null : () => this.setTool(t);
    if (k === 'f' && !this.readOnlyFlag) return () => this.fillHoles();
    if (k === 'o') return () => this.cycleMaskStyle();
    return null;
  }

  private applyModeClasses(): void {
    const cls = this.root.classList;
    cls.toggle('is-readonly', this.readOnlyFlag);
    for (const t of ['polygon', 'lasso', 'brush', 'eraser', 'hand'] as Tool[]) cls.toggle(`tool-${t}`, this.toolName === t);
    cls.toggle('is-panning', this.drag?.kind === 'pan');
    cls.toggle('is-space', this.spaceDown);
  }

  private updateHud(): void {
    const zoom = `${Math.round(this.view.scale * 100)}%`;
    if (!this.pointer.inside) {
      this.hud.textContent = zoom;
      return;
    }
    const [x, y] = toImage(this.view, this.pointer.sx, this.pointer.sy);
    const px = Math.floor(x);
    const py = Math.floor(y);
    const inside = px >= 0 && py >= 0 && px < this.width && py < this.height;
    this.hud.textContent = inside ? `x ${px} · y ${py} · ${zoom}` : zoom;
  }

  private updateHistoryButtons(): void {
    if (this.undoBtn) {
      this.undoBtn.disabled = !this.history.canUndo;
      this.undoBtn.title = this.history.nextUndoLabel ? `Undo ${this.history.nextUndoLabel} (Ctrl+Z)` : 'Undo (Ctrl+Z)';
    }
    if (this.redoBtn) {
      this.redoBtn.disabled = !this.history.canRedo;
      this.redoBtn.title = this.history.nextRedoLabel ? `Redo ${this.history.nextRedoLabel} (Ctrl+Shift+Z)` : 'Redo (Ctrl+Shift+Z)';
    }
  }

  private buildToolbar(): void {
    const bar = this.toolbarEl;
    this.hintEl.textContent = this.readOnlyFlag ? '' : TOOL_INFO[this.toolName].hint;
    if (!bar) return;
    bar.replaceChildren();
    this.toolButtons.clear();
    const tbtn = (icon: string, label: string, kbd: string, onClick: () => void, title?: string, opts: { iconOnly?: boolean; noKbd?: boolean } = {}) => {
      const b = h(
        'button',
        { type: 'button', class: `cw-tool${opts.iconOnly ? ' cw-tool-icon' : ''}`, title: title ?? `${label} (${kbd})`, 'aria-label': label },
        h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icon }),
        opts.iconOnly ? null : h('span', { class: 'cw-tool-label' }, label),
        opts.noKbd ? null : h('kbd', { class: 'cw-kbd' }, kbd),
      );
      b.addEventListener('click', () => {
        onClick();
        this.viewport.focus({ preventScroll: true });
      });
      return b;
    };
    const group = (...children: HTMLElement[]) => h('div', { class: 'cw-toolbar-group' }, ...children);
    const tools: Tool[] = this.readOnlyFlag ? ['hand'] : [...EDIT_TOOLS, 'hand'];
    const toolBtns = tools.map((t) => {
      const info = TOOL_INFO[t];
      const b = tbtn(info.icon, info.label, info.key, () => this.setTool(t), `${info.label} (${info.key}) — ${info.hint}`);
      b.setAttribute('aria-pressed', String(this.toolName === t));
      b.dataset.tool = t;
      this.toolButtons.set(t, b);
      return b;
    });
    bar.appendChild(group(...toolBtns));
    if (!this.readOnlyFlag) {
      this.sizeInput = h('input', {
        type: 'range',
        min: 1,
        max: 80,
        step: 1,
        value: this.brush,
        'aria-label': 'Brush size in pixels',
        title: 'Brush size ([ and ] change it)',
      });
      this.sizeInput.addEventListener('input', () => this.setBrushSize(Number(this.sizeInput!.value)));
      this.sizeValue = h('span', { class: 'cw-size-value' }, `${this.brush} px`);
      bar.appendChild(
        group(
          h('label', { class: 'cw-size', title: 'Brush size ([ and ] change it)' }, this.sizeInput, this.sizeValue, h('kbd', { class: 'cw-kbd' }, '[ ]')),
        ),
      );
      bar.appendChild(
        group(
          tbtn(icons.fill, 'Fill holes', 'F', () => this.fillHoles()),
          tbtn(icons.trash, 'Clear', '⇧Del', () => this.clear(), 'Clear the mask (Shift+Delete) — undo brings it back'),
        ),
      );
      this.undoBtn = tbtn(icons.undo, 'Undo', 'Ctrl+Z', () => this.undo(), undefined, { iconOnly: true, noKbd: true });
      this.redoBtn = tbtn(icons.redo, 'Redo', 'Ctrl+⇧Z', () => this.redo(), undefined, { iconOnly: true, noKbd: true });
      bar.appendChild(group(this.undoBtn, this.redoBtn));
    } else {
      this.sizeInput = null;
      this.sizeValue = null;
      this.undoBtn = null;
      this.redoBtn = null;
    }
    bar.appendChild(
      group(
        tbtn(icons.zoomOut, 'Zoom out', '−', () => this.zoomBy(0.8), 'Zoom out (− or wheel)', { iconOnly: true, noKbd: true }),
        tbtn(icons.fit, 'Fit', '0', () => this.resetView(), 'Fit image to window (0)', { iconOnly: true, noKbd: true }),
        tbtn(icons.zoomIn, 'Zoom in', '+', () => this.zoomBy(1.25), 'Zoom in (+ or wheel)', { iconOnly: true, noKbd: true }),
        tbtn(icons.outline, 'Mask', 'O', () => this.cycleMaskStyle(), 'Mask display: filled / outline / hidden (O)', { iconOnly: true, noKbd: true }),
      ),
    );
    this.hintEl.textContent = this.readOnlyFlag ? '' : TOOL_INFO[this.toolName].hint;
    this.updateHistoryButtons();
  }
}

function clampSize(n: number): number {
  return Math.max(1, Math.min(200, Math.round(Number.isFinite(n) ? n : 12)));
}

function brushStep(size: number): number {
  return size < 10 ? 1 : size < 30 ? 2 : 5;
}

