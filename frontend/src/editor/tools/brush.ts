/**
 * The brush: paints the active label with a disk swept exactly between
 * pointer events, so fast strokes leave no gaps. Shift swaps painting and
 * erasing. The whole stroke becomes one undo step when the pointer is released.
 */

import type { PaintTarget } from '../instances';
import type { Snapshot } from '../mask';
import { brushCentre, stampSegment, unionRect, type Pt, type Rect } from '../raster';
import { toImage } from '../view';
import { type PreviewState, type Tool, type ToolContext, type ToolName, type ToolPointer } from './tool';

interface Stroke {
  target: PaintTarget;
  last: Pt;
  before: Snapshot;
  rect: Rect | null;
}

export class BrushTool implements Tool {
  readonly cursor = 'none';
  readonly continuous = true;
  readonly pending = false;
  private stroke: Stroke | null = null;

  constructor(
    readonly name: ToolName = 'brush',
    /** True for the eraser: paints background, and the label with Shift. */
    private readonly erases = false,
  ) {}

  down(p: ToolPointer, ctx: ToolContext): boolean {
    const { model, brushSize } = ctx;
    const value = this.erases !== p.shift ? 0 : model.labels.active.value;
    const target = model.target(value, Boolean(p.alt || ctx.addToCurrent), p.x, p.y);
    const cx = brushCentre(p.x, brushSize);
    const cy = brushCentre(p.y, brushSize);
    const before = model.snapshot();
    const rect = model.paint(stampSegment(model.cover, model.width, model.height, cx, cy, cx, cy, brushSize, 1), target);
    this.stroke = { target, last: [cx, cy], before, rect };
    ctx.touched(rect);
    return true;
  }

  move(p: ToolPointer, ctx: ToolContext): void {
    const s = this.stroke;
    if (!s) return;
    const { model, brushSize } = ctx;
    for (const [x, y] of p.trail) {
      const cx = brushCentre(x, brushSize);
      const cy = brushCentre(y, brushSize);
      if (cx === s.last[0] && cy === s.last[1]) continue;
      const rect = model.paint(stampSegment(model.cover, model.width, model.height, s.last[0], s.last[1], cx, cy, brushSize, 1), s.target);
      s.last = [cx, cy];
      if (rect) {
        s.rect = unionRect(s.rect, rect);
        ctx.touched(rect);
      }
    }
  }

  up(_p: ToolPointer, ctx: ToolContext): void {
    this.finish(ctx);
  }

  cancel(ctx: ToolContext): void {
    this.finish(ctx);
  }

  preview(s: PreviewState): void {
    if (!s.pointer.inside || s.panning) return;
    const { g, view } = s;
    const [ix, iy] = toImage(view, s.pointer.sx, s.pointer.sy);
    const cx = brushCentre(ix, s.brushSize) * view.scale + view.tx;
    const cy = brushCentre(iy, s.brushSize) * view.scale + view.ty;
    const erasing = this.erases !== s.shift;
    g.beginPath();
    g.arc(cx, cy, Math.max(1.5, (s.brushSize / 2) * view.scale), 0, Math.PI * 2);
    g.strokeStyle = 'rgba(0,0,0,0.7)';
    g.lineWidth = 3;
    g.stroke();
    g.strokeStyle = erasing ? '#ff6b6b' : '#ffffff';
    g.lineWidth = 1.25;
    if (erasing) g.setLineDash([3, 3]);
    g.stroke();
    g.setLineDash([]);
  }

  /** A painted stroke is already in the mask; this makes it one undo step. */
  private finish(ctx: ToolContext): void {
    const s = this.stroke;
    this.stroke = null;
    if (s) ctx.model.commit(s.target.value ? 'Brush stroke' : 'Erase stroke', s.before, s.rect);
  }
}
