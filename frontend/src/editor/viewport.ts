/**
 * Where the image sits on screen: the current view, the automatic fit for the
 * viewport size, and whether the user has zoomed or panned away from it (a
 * resize then refits only an untouched view). Pure state; the editor applies
 * the result to the stage transform.
 */

import { BOTTOM_INSET, clampPan, fitView, minScale, toImage, zoomAt, type View } from './view';

export type ViewSource = 'user' | 'resize' | 'api';

export class Viewport {
  view: View = { scale: 1, tx: 0, ty: 0 };
  private fit: View = { scale: 1, tx: 0, ty: 0 };
  private touched = false;
  /** Viewport size in CSS pixels and the device pixel ratio of the screen canvases. */
  vw = 0;
  vh = 0;
  dpr = 1;

  constructor(
    readonly width: number,
    readonly height: number,
    /** Called after every change; `source` is null for silent api changes. */
    private readonly onChange: (source: ViewSource | null) => void,
  ) {}

  get isFit(): boolean {
    return !this.touched;
  }

  /** Returns false when nothing changed (no refit, no redraw). */
  resize(vw: number, vh: number, dpr: number): boolean {
    if (vw === this.vw && vh === this.vh && dpr === this.dpr) return false;
    this.vw = vw;
    this.vh = vh;
    this.dpr = dpr;
    this.fit = fitView(this.width, this.height, vw, vh, 12, BOTTOM_INSET);
    if (!this.touched) this.view = { ...this.fit };
    this.apply('resize');
    return true;
  }

  set(v: View, source: ViewSource | null): void {
    this.view = { scale: v.scale, tx: v.tx, ty: v.ty };
    this.touched = true;
    this.apply(source);
  }

  reset(): void {
    this.touched = false;
    this.view = { ...this.fit };
    this.apply('user');
  }

  zoomBy(factor: number, sx = this.vw / 2, sy = this.vh / 2): void {
    this.set(zoomAt(this.view, factor, sx, sy, minScale(this.fit)), 'user');
  }

  panTo(tx: number, ty: number): void {
    this.set({ scale: this.view.scale, tx, ty }, 'user');
  }

  /** "x 12 · y 40 · 150%" under the pointer, or just the zoom outside the image. */
  hudText(pointer: { sx: number; sy: number; inside: boolean }): string {
    const zoom = `${Math.round(this.view.scale * 100)}%`;
    if (!pointer.inside) return zoom;
    const [x, y] = toImage(this.view, pointer.sx, pointer.sy);
    const px = Math.floor(x);
    const py = Math.floor(y);
    const inside = px >= 0 && py >= 0 && px < this.width && py < this.height;
    return inside ? `x ${px} · y ${py} · ${zoom}` : zoom;
  }

  private apply(source: ViewSource | null): void {
    this.view = clampPan(this.view, this.width, this.height, this.vw, this.vh);
    this.onChange(source);
  }
}
