/**
 * What the polygon and the lasso share: an outline collected point by point
 * that, once closed, fills with the active label (or with background when
 * Shift was held at its start or at its end) as one undo step.
 */

import { fillPolygon, type Pt } from '../raster';
import { rgba, type Rgb } from '../render';
import { SUBTRACT_RGB, type PreviewState, type ToolContext, type ToolName } from './tool';

export abstract class OutlineTool {
  abstract readonly name: ToolName;
  readonly cursor = 'crosshair';
  readonly continuous = false;
  protected points: Pt[] | null = null;
  protected subtract = false;

  /** The undo-step name: "Polygon", "Lasso". */
  protected abstract readonly title: string;

  get pending(): boolean {
    return this.points !== null;
  }

  cancel(_ctx?: ToolContext): void {
    this.points = null;
  }

  protected begin(x: number, y: number, shift: boolean): void {
    this.points = [[x, y]];
    this.subtract = shift;
  }

  protected fill(pts: readonly Pt[], shift: boolean, ctx: ToolContext, alt = false): void {
    const { model } = ctx;
    const value = this.subtract || shift ? 0 : model.labels.active.value;
    const [x, y] = pts[0]!;
    const target = model.target(value, alt || Boolean(ctx.addToCurrent), x, y);
    model.paintShape(value ? this.title : `${this.title} subtract`, target, (cover) => fillPolygon(cover, model.width, model.height, pts, 1));
  }

  /** Lightly fills the outline so far (to `extra`, a screen point, when given) and returns its line colour. */
  protected shade(s: PreviewState, extra: Pt | null): Rgb {
    const pts = this.points ?? [];
    const colour = this.subtract || s.shift ? SUBTRACT_RGB : s.colour;
    const { g, view } = s;
    g.beginPath();
    pts.forEach(([x, y], i) => {
      const sx = x * view.scale + view.tx;
      const sy = y * view.scale + view.ty;
      if (i === 0) g.moveTo(sx, sy);
      else g.lineTo(sx, sy);
    });
    if (extra) g.lineTo(extra[0], extra[1]);
    g.fillStyle = rgba(colour, 0.15);
    g.fill();
    return colour;
  }
}
