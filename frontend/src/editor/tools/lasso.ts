/**
 * The lasso: drag a freehand outline; releasing fills it with the active
 * label (Shift, at the start or the end, subtracts). A self-crossing outline
 * still fills everything it encloses (nonzero rule).
 */

import { rgba } from '../render';
import { OutlineTool } from './outline';
import type { PreviewState, Tool, ToolContext, ToolPointer } from './tool';

/** Screen distance between recorded outline points, so a slow drag does not record thousands. */
const MIN_STEP_PX = 1.5;

export class LassoTool extends OutlineTool implements Tool {
  readonly name = 'lasso';
  protected readonly title = 'Lasso';

  down(p: ToolPointer, _ctx: ToolContext): boolean {
    this.begin(p.x, p.y, p.shift);
    return true;
  }

  move(p: ToolPointer, ctx: ToolContext): void {
    const pts = this.points;
    if (!pts) return;
    const last = pts[pts.length - 1]!;
    const s = ctx.view.scale;
    if (Math.hypot((p.x - last[0]) * s, (p.y - last[1]) * s) >= MIN_STEP_PX) pts.push([p.x, p.y]);
  }

  up(p: ToolPointer, ctx: ToolContext): void {
    const pts = this.points;
    this.points = null;
    if (pts && pts.length >= 3) this.fill(pts, p.shift, ctx, p.alt);
  }

  key(key: string): (() => void) | null {
    return key === 'Escape' ? () => this.cancel() : null;
  }

  preview(s: PreviewState): void {
    if (!this.points || this.points.length < 2) return;
    const colour = this.shade(s, null);
    s.g.closePath();
    s.g.strokeStyle = rgba(colour, 1);
    s.g.lineWidth = 1.5;
    s.g.setLineDash([5, 3]);
    s.g.stroke();
    s.g.setLineDash([]);
  }
}
