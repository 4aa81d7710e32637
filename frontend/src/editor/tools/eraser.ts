/** The eraser: the brush with its roles swapped, painting background (Shift paints the label). */

import { BrushTool } from './brush';

export class EraserTool extends BrushTool {
  constructor() {
    super('eraser', true);
  }
}
