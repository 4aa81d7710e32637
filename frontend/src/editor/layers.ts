/**
 * The renderer. Layers, bottom to top:
 *   image, fluorescence tint, heat map, mask  — W×H canvases inside a "stage"
 *       element positioned with one CSS transform (zoom/pan cost no redraw);
 *   overlay contours, tool feedback           — viewport-sized canvases drawn
 *       in screen space so lines stay crisp at any zoom.
 * Changes only mark what is dirty; everything is drawn at most once per
 * animation frame, and during a stroke only the touched rectangle of the mask.
 */

import { h } from '../lib/dom';
import type { OverlaySet } from './overlays';
import { expandRect, fullRect, unionRect, type Rect } from './raster';
import { renderMaskRgba, type MaskStyle } from './render';
import type { View } from './view';

/** What a frame draws from; the editor provides it. */
export interface FrameSource {
  readonly mask: Uint8Array;
  /** Instance ids (each instance in its own shade), or null. */
  readonly ids: Uint16Array | null;
  readonly palette: Uint8Array;
  readonly style: MaskStyle;
  readonly overlays: OverlaySet;
  readonly view: View;
  readonly dpr: number;
  drawTool(g: CanvasRenderingContext2D): void;
  frameDone(ms: number, rect: Rect | null): void;
}

export interface LayersOptions {
  ariaLabel?: string;
  /** Small caption in the top-left corner of the canvas (e.g. "Fluorescence"). */
  label?: string;
}

export class Layers {
  /** The focusable viewport that receives pointer events. */
  readonly element: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly imageCanvas: HTMLCanvasElement;
  private readonly tintCanvas: HTMLCanvasElement;
  private readonly heatCanvas: HTMLCanvasElement;
  private readonly maskCtx: CanvasRenderingContext2D;
  private readonly overlayCanvas = h('canvas', { class: 'cw-screen-layer' });
  private readonly toolCanvas = h('canvas', { class: 'cw-screen-layer' });
  private readonly hud = h('div', { class: 'cw-editor-hud', 'aria-live': 'off' });
  private readonly hint = h('div', { class: 'cw-editor-hint' });
  private readonly toast = h('div', { class: 'cw-editor-toast', role: 'status', 'aria-live': 'polite' });
  private readonly label: HTMLElement | null;
  private dirtyMask: Rect | null;
  private heatDirty = false;
  private overlayDirty = false;
  private toolDirty = false;
  private frameReq = 0;
  private toastTimer = 0;
  private imageToken = 0;
  private tintToken = 0;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly source: FrameSource,
    /** Element that carries the loading / image-error state classes. */
    private readonly host: HTMLElement,
    opts: LayersOptions = {},
  ) {
    this.label = opts.label ? h('div', { class: 'cw-editor-label' }, opts.label) : null;
    const layer = (cls: string) => h('canvas', { class: `cw-layer ${cls}`, width, height });
    this.imageCanvas = layer('cw-layer-image');
    this.tintCanvas = layer('cw-layer-tint');
    this.heatCanvas = layer('cw-layer-heat');
    const maskCanvas = layer('cw-layer-mask');
    this.maskCtx = maskCanvas.getContext('2d')!;
    this.stage = h('div', { class: 'cw-editor-stage' }, this.imageCanvas, this.tintCanvas, this.heatCanvas, maskCanvas);
    this.stage.style.width = `${width}px`;
    this.stage.style.height = `${height}px`;
    this.element = h(
      'div',
      { class: 'cw-editor-viewport', tabindex: 0, 'aria-label': opts.ariaLabel ?? 'Section image and mask editor' },
      this.stage,
      this.overlayCanvas,
      this.toolCanvas,
      this.hud,
      this.hint,
      this.toast,
      this.label,
      h('div', { class: 'cw-editor-loading', 'aria-hidden': 'true' }),
    );
    this.dirtyMask = fullRect(width, height);
    this.requestFrame();
  }

  /** Changes the caption given as `label` (an editor made without one keeps none). */
  setLabel(text: string): void {
    if (this.label) this.label.textContent = text;
  }

  markMask(rect: Rect | null = fullRect(this.width, this.height)): void {
    if (rect) this.dirtyMask = unionRect(this.dirtyMask, rect);
    this.requestFrame();
  }

  markOverlays(heat = false): void {
    this.heatDirty ||= heat;
    this.overlayDirty = true;
    this.requestFrame();
  }

  markTool(): void {
    this.toolDirty = true;
    this.requestFrame();
  }

  /** Moves the stage to the view (a CSS transform) and redraws the screen-space layers. */
  place(view: View): void {
    this.stage.style.transform = `translate(${view.tx}px, ${view.ty}px) scale(${view.scale})`;
    this.overlayDirty = true;
    this.markTool();
  }

  /**
   * Follows the viewport's size: the screen-space canvases get one pixel per
   * device pixel, and `resized` hears the size in CSS pixels.
   */
  observeSize(resized: (vw: number, vh: number, dpr: number) => void): () => void {
    const onResize = () => {
      const r = this.element.getBoundingClientRect();
      const vw = Math.max(1, Math.round(r.width));
      const vh = Math.max(1, Math.round(r.height));
      const dpr = window.devicePixelRatio || 1;
      for (const c of [this.overlayCanvas, this.toolCanvas]) {
        // Setting a canvas size clears it, so only a real change does.
        if (c.width !== Math.round(vw * dpr)) c.width = Math.round(vw * dpr);
        if (c.height !== Math.round(vh * dpr)) c.height = Math.round(vh * dpr);
      }
      resized(vw, vh, dpr);
    };
    const ro = new ResizeObserver(onResize);
    ro.observe(this.element);
    onResize();
    return () => ro.disconnect();
  }

  /**
   * Draws `url` into the image layer. The old image stays visible until the
   * new one has arrived, and a slow response never replaces a newer one.
   */
  loadImage(url: string | null, done: (ok: boolean) => void): void {
    const token = ++this.imageToken;
    const ctx = this.imageCanvas.getContext('2d')!;
    if (!url) {
      ctx.clearRect(0, 0, this.width, this.height);
      return;
    }
    this.host.classList.add('is-loading');
    this.fetchImage(url, () => token === this.imageToken, (img) => {
      if (img) {
        ctx.clearRect(0, 0, this.width, this.height);
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(img, 0, 0, this.width, this.height);
      }
      this.host.classList.remove('is-loading');
      this.host.classList.toggle('has-image-error', !img);
      if (!img) this.showToast('The section image could not be loaded — check the connection and reload.', 6000);
      done(img !== null);
    });
  }

  /** A second image multiplied into `colour` and blended with `screen`, so dark areas stay transparent. */
  loadTint(tint: { url: string; colour?: string; alpha?: number } | null): void {
    const token = ++this.tintToken;
    const ctx = this.tintCanvas.getContext('2d')!;
    if (!tint) {
      ctx.clearRect(0, 0, this.width, this.height);
      this.setTintAlpha(0);
      return;
    }
    this.setTintAlpha(tint.alpha ?? 0.6);
    this.fetchImage(tint.url, () => token === this.tintToken, (img) => {
      if (!img) return this.showToast('The fluorescence image could not be loaded.', 4000);
      ctx.globalCompositeOperation = 'source-over';
      ctx.clearRect(0, 0, this.width, this.height);
      ctx.drawImage(img, 0, 0, this.width, this.height);
      ctx.globalCompositeOperation = 'multiply';
      ctx.fillStyle = tint.colour ?? '#00ff00';
      ctx.fillRect(0, 0, this.width, this.height);
      ctx.globalCompositeOperation = 'source-over';
    });
  }

  setTintAlpha(alpha: number): void {
    this.tintCanvas.style.opacity = String(alpha);
  }

  showToast(text: string, ms = 2200): void {
    this.toast.textContent = text;
    this.toast.classList.add('is-visible');
    window.clearTimeout(this.toastTimer);
    this.toastTimer = window.setTimeout(() => this.toast.classList.remove('is-visible'), ms);
  }

  setHud(text: string): void {
    this.hud.textContent = text;
  }

  setHint(text: string): void {
    this.hint.textContent = text;
  }

  destroy(): void {
    if (this.frameReq) cancelAnimationFrame(this.frameReq);
    this.frameReq = 0;
    window.clearTimeout(this.toastTimer);
  }

  private fetchImage(url: string, current: () => boolean, then: (img: HTMLImageElement | null) => void): void {
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => current() && then(img);
    img.onerror = () => current() && then(null);
    img.src = url;
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
      this.source.overlays.renderHeat(this.heatCanvas.getContext('2d')!);
    }
    if (this.overlayDirty) {
      this.overlayDirty = false;
      this.source.overlays.renderContours(this.screenCtx(this.overlayCanvas), this.source.view, this.source.dpr);
    }
    if (this.toolDirty) {
      this.toolDirty = false;
      const g = this.screenCtx(this.toolCanvas);
      g.setTransform(this.source.dpr, 0, 0, this.source.dpr, 0, 0);
      this.source.drawTool(g);
    }
    this.source.frameDone(performance.now() - t0, rect);
  };

  private renderMask(rect: Rect): void {
    // One pixel of margin: the outline of neighbours may change too.
    const r = expandRect(rect, 1, this.width, this.height);
    if (!r) return;
    const img = this.maskCtx.createImageData(r.w, r.h);
    renderMaskRgba(this.source.mask, this.width, this.height, r, img.data, this.source.palette, this.source.style, 80, this.source.ids);
    this.maskCtx.putImageData(img, r.x, r.y);
  }

  private screenCtx(c: HTMLCanvasElement): CanvasRenderingContext2D {
    const ctx = c.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    return ctx;
  }
}
