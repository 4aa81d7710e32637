/**
 * Read-only layers over the section: other people's contours (traced once
 * from their masks and cached) and count heat maps such as disagreement.
 */

import { loopsFromPoints, traceContours, type Loop } from './contour';
import { parseColour, renderHeatRgba, rgba, type HeatLayer, type Rgb } from './render';
import type { View } from './view';

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

interface OverlayState extends Overlay {
  loops: Loop[] | null;
  rgb: Rgb;
}

export class OverlaySet {
  private items: OverlayState[] = [];

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {}

  get list(): ReadonlyArray<Readonly<Overlay>> {
    return this.items;
  }

  /** Replaces the list; contours of an overlay whose source did not change are not traced again. */
  set(list: Overlay[]): void {
    const previous = new Map(this.items.map((o) => [o.name, o]));
    this.items = list.map((o) => {
      const old = previous.get(o.name);
      const sameSource = old && old.mask === o.mask && old.contours === o.contours;
      return {
        ...o,
        visible: o.visible ?? true,
        rgb: parseColour(o.colour ?? '#ffffff', { r: 255, g: 255, b: 255 }),
        loops: sameSource ? old.loops : null,
      };
    });
  }

  /** Returns what must be redrawn: nothing, the contours, or the heat map too. */
  setVisible(name: string, visible: boolean): 'none' | 'contours' | 'heat' {
    const o = this.items.find((x) => x.name === name);
    if (!o || o.visible === visible) return 'none';
    o.visible = visible;
    return o.heat ? 'heat' : 'contours';
  }

  renderHeat(ctx: CanvasRenderingContext2D): void {
    ctx.clearRect(0, 0, this.width, this.height);
    const heats = this.items.filter((o) => o.visible && o.heat) as HeatLayer[];
    if (!heats.length) return;
    const img = ctx.createImageData(this.width, this.height);
    renderHeatRgba(heats, this.width * this.height, img.data);
    ctx.putImageData(img, 0, 0);
  }

  /**
   * Contours in screen space (crisp at any zoom), each over a dark halo that keeps it readable
   * on bright cytoplasm. All halos are drawn first and all lines after them, in list order: a
   * later line stays visible where it runs along an earlier one (annotators' contours on the
   * consensus at high zoom), and no halo ever covers another line.
   */
  renderContours(ctx: CanvasRenderingContext2D, view: View, dpr: number): void {
    const { scale: s, tx, ty } = view;
    ctx.setTransform(dpr * s, 0, 0, dpr * s, dpr * tx, dpr * ty);
    ctx.lineJoin = 'round';
    const drawn = this.items.filter((o) => o.visible && (o.mask || o.contours) && this.loopsOf(o).length);
    for (const o of drawn) {
      if (o.dashed) continue;
      this.tracePath(ctx, o);
      ctx.setLineDash([]);
      ctx.strokeStyle = 'rgba(0,0,0,0.55)';
      ctx.lineWidth = ((o.lineWidth ?? 1.75) + 2) / s;
      ctx.stroke();
    }
    for (const o of drawn) {
      this.tracePath(ctx, o);
      ctx.setLineDash(o.dashed ? [7 / s, 5 / s] : []);
      ctx.strokeStyle = rgba(o.rgb, 1);
      ctx.lineWidth = (o.lineWidth ?? 1.75) / s;
      ctx.stroke();
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  private loopsOf(o: OverlayState): Loop[] {
    o.loops ??= o.mask ? traceContours(o.mask, this.width, this.height) : loopsFromPoints(o.contours!);
    return o.loops;
  }

  private tracePath(ctx: CanvasRenderingContext2D, o: OverlayState): void {
    ctx.beginPath();
    for (const loop of this.loopsOf(o)) {
      if (loop.length < 4) continue;
      ctx.moveTo(loop[0]!, loop[1]!);
      for (let i = 2; i < loop.length; i += 2) ctx.lineTo(loop[i]!, loop[i + 1]!);
      ctx.closePath();
    }
  }
}
