/**
 * The hand: drag to pan. The editor also lends it the pointer for middle or
 * right drags, Space + drag, and any drag on a read-only canvas.
 */

import type { View } from '../view';
import type { PreviewState, Tool, ToolContext, ToolPointer } from './tool';

export class HandTool implements Tool {
  readonly name = 'hand';
  readonly cursor = 'grab';
  readonly continuous = false;
  readonly pending = false;
  private start: { sx: number; sy: number; view: View } | null = null;

  down(p: ToolPointer, ctx: ToolContext): boolean {
    this.start = { sx: p.sx, sy: p.sy, view: { ...ctx.view } };
    return true;
  }

  move(p: ToolPointer, ctx: ToolContext): void {
    const s = this.start;
    if (s) ctx.pan(s.view.tx + p.sx - s.sx, s.view.ty + p.sy - s.sy);
  }

  up(): void {
    this.start = null;
  }

  cancel(): void {
    this.start = null;
  }

  preview(_s: PreviewState): void {}
}
