/** The tool registry: one instance of each tool per editor, and how the tool bar presents them. */

import { icons } from '../../lib/icons';
import { BrushTool } from './brush';
import { CutTool } from './cut';
import { EraserTool } from './eraser';
import { HandTool } from './hand';
import { LassoTool } from './lasso';
import { PolygonTool } from './polygon';
import type { Tool, ToolName } from './tool';

export type { PreviewState, Tool, ToolContext, ToolName, ToolPointer } from './tool';
export { BrushTool, CutTool, EraserTool, HandTool, LassoTool, PolygonTool };

export interface ToolInfo {
  label: string;
  key: string;
  icon: string;
  hint: string;
}

export const TOOL_INFO: Record<ToolName, ToolInfo> = {
  polygon: { label: 'Polygon', key: 'P', icon: icons.polygon, hint: 'Click points · double-click or Enter closes · Esc cancels · Backspace removes last point · Shift subtracts' },
  lasso: { label: 'Lasso', key: 'L', icon: icons.lasso, hint: 'Drag an outline · release closes it · Shift subtracts' },
  brush: { label: 'Brush', key: 'B', icon: icons.brush, hint: 'Paint · [ ] change size · Shift erases' },
  eraser: { label: 'Eraser', key: 'E', icon: icons.eraser, hint: 'Erase · [ ] change size · Shift paints' },
  cut: { label: 'Cut', key: 'K', icon: icons.cut, hint: 'Drag a line across touching instances · release splits them along it' },
  hand: { label: 'Hand', key: 'H', icon: icons.hand, hint: 'Drag to pan · wheel zooms' },
};

/** Tool bar order; a read-only editor offers only the hand. */
export const EDIT_TOOLS: readonly ToolName[] = ['polygon', 'lasso', 'brush', 'eraser', 'cut'];
export const TOOL_NAMES: readonly ToolName[] = [...EDIT_TOOLS, 'hand'];

export function createTools(): Record<ToolName, Tool> {
  return { polygon: new PolygonTool(), lasso: new LassoTool(), brush: new BrushTool(), eraser: new EraserTool(), cut: new CutTool(), hand: new HandTool() };
}

export function isToolName(name: string): name is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(name);
}
