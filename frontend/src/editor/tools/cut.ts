/**
 * The cut: drag a line across touching instances of one class drawn as one;
 * on release the instance falls apart along the line into one instance per
 * part (mask.ts `cut`, instances.ts `cutInstances`), as one undo step.
 */

import { stampSegment, unionRect, type Pt, type Rect } from '../raster';
import { OutlineTool } from './outline';
import type { PreviewState, Tool, ToolContext, ToolPointer } from './tool';

/** Line width in image pixels: wide enough that no 4-connected path slips through a diagonal. */
const CUT_WIDTH = 2;

export class CutTool extends OutlineTool implements Tool {
  readonly name = 'cut';
  protected readonly title = 'Cut';

  down(p: ToolPointer, _ctx: ToolContext): boolean {
    this.begin(p.x, p.y, false);
    return true;
  }

  move(p: ToolPointer, _ctx: ToolContext): void {
    const pts = this.points;
    const last = pts?.[pts.length - 1];
    if (pts && last && Math.hypot(p.x - last[0], p.y - last[1]) >= 0.5) pts.push([p.x, p.y]);
  }

  up(p: ToolPointer, ctx: ToolContext): void {
    const pts = this.points;
    this.points = null;
    if (!pts) return;
    pts.push([p.x, p.y]);
    const { model } = ctx;
    const made = model.cut((cover) => drawLine(cover, model.width, model.height, pts));
    ctx.toast(made ? `Cut into ${made + 1} instances` : 'The line cut no instance apart — draw it across the whole contact');
  }

  key(key: string): (() => void) | null {
    return key === 'Escape' ? () => this.cancel() : null;
  }

  preview(s: PreviewState): void {
    const pts = this.points;
    if (!pts || pts.length < 2) return;
    const { g, view } = s;
    g.beginPath();
    pts.forEach(([x, y], i) => (i ? g.lineTo(x * view.scale + view.tx, y * view.scale + view.ty) : g.moveTo(x * view.scale + view.tx, y * view.scale + view.ty)));
    g.strokeStyle = '#ffffff';
    g.lineWidth = Math.max(1.5, CUT_WIDTH * view.scale);
    g.setLineDash([4, 3]);
    g.stroke();
    g.setLineDash([]);
  }
}

/** Paints a polyline of CUT_WIDTH into `cover` (1 on the line). */
export function drawLine(cover: Uint8Array, W: number, H: number, pts: readonly Pt[]): Rect | null {
  let rect: Rect | null = null;
  for (let i = 0; i < pts.length; i++) {
    const a = pts[Math.max(0, i - 1)]!;
    const b = pts[i]!;
    rect = unionRect(rect, stampSegment(cover, W, H, a[0], a[1], b[0], b[1], CUT_WIDTH, 1));
  }
  return rect;
}
