/**
 * The polygon: click points; a double-click, Enter or a click on the first
 * point closes it and fills it with the active label (Shift subtracts).
 * Backspace or Ctrl+Z removes the last point, Escape abandons the shape.
 */

import type { Pt } from '../raster';
import { rgba } from '../render';
import { OutlineTool } from './outline';
import type { PreviewState, Tool, ToolContext, ToolPointer } from './tool';

const DOUBLE_CLICK_MS = 350;
/** A click this close (CSS px) to the first point closes the polygon. */
const CLOSE_PX = 9;
/** Points closer than this on screen are the clicks of one double-click. */
const SAME_POINT_PX = 2;

export class PolygonTool extends OutlineTool implements Tool {
  readonly name = 'polygon';
  protected readonly title = 'Polygon';
  private lastClick = { t: -Infinity, sx: 0, sy: 0 };

  /** Clicks add points; the polygon never keeps the pointer. */
  down(p: ToolPointer, ctx: ToolContext): boolean {
    const last = this.lastClick;
    const isDouble = p.time - last.t < DOUBLE_CLICK_MS && Math.hypot(p.sx - last.sx, p.sy - last.sy) < 5;
    this.lastClick = { t: p.time, sx: p.sx, sy: p.sy };
    if (!this.points) {
      this.begin(p.x, p.y, p.shift);
      return false;
    }
    if (isDouble) {
      this.close(p.shift, ctx);
      return false;
    }
    const first = this.points[0]!;
    const { scale, tx, ty } = ctx.view;
    const near = Math.hypot(first[0] * scale + tx - p.sx, first[1] * scale + ty - p.sy) < CLOSE_PX;
    if (near && this.points.length >= 3) this.close(p.shift, ctx);
    else this.points.push([p.x, p.y]);
    return false;
  }

  move(): void {}

  up(): void {}

  undoPoint(): boolean {
    if (!this.points) return false;
    this.points.pop();
    if (!this.points.length) this.points = null;
    return true;
  }

  dblclick(shift: boolean, ctx: ToolContext): boolean {
    if (!this.points) return false;
    this.close(shift, ctx);
    return true;
  }

  key(key: string, shift: boolean, ctx: ToolContext): (() => void) | null {
    if (!this.points) return null;
    if (key === 'Enter') return () => this.close(shift, ctx);
    if (key === 'Backspace') return () => void this.undoPoint();
    if (key === 'Escape') {
      return () => {
        this.cancel();
        ctx.toast('Polygon cancelled');
      };
    }
    return null;
  }

  preview(s: PreviewState): void {
    const pts = this.points;
    if (!pts?.length) return;
    const { g, view } = s;
    const colour = this.shade(s, s.pointer.inside ? [s.pointer.sx, s.pointer.sy] : null);
    g.strokeStyle = 'rgba(0,0,0,0.6)';
    g.lineWidth = 3.5;
    g.stroke();
    g.strokeStyle = rgba(colour, 1);
    g.lineWidth = 1.5;
    g.stroke();
    pts.forEach(([x, y], i) => {
      g.beginPath();
      g.arc(x * view.scale + view.tx, y * view.scale + view.ty, i === 0 ? 5 : 3, 0, Math.PI * 2);
      g.fillStyle = i === 0 ? '#ffffff' : rgba(colour, 1);
      g.fill();
      g.strokeStyle = 'rgba(0,0,0,0.7)';
      g.lineWidth = 1;
      g.stroke();
    });
  }

  private close(shift: boolean, ctx: ToolContext): void {
    const pts = this.points;
    this.points = null;
    if (!pts) return;
    const s = ctx.view.scale;
    const clean: Pt[] = [];
    for (const p of pts) {
      const q = clean[clean.length - 1];
      if (!q || Math.hypot((p[0] - q[0]) * s, (p[1] - q[1]) * s) >= SAME_POINT_PX) clean.push(p);
    }
    if (clean.length < 3) {
      ctx.toast('A polygon needs at least 3 points');
      return;
    }
    this.fill(clean, shift, ctx);
  }
}
