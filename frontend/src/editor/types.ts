/** Public shapes of the mask editor: its options, its events and its frame statistics. */

import type { PaintRule } from './instances';
import type { Label } from './labels';
import type { ChangeSource } from './mask';
import type { Rect } from './raster';
import type { ToolName } from './tools';
import type { View } from './view';
import type { ViewSource } from './viewport';

export interface MaskEditorOptions {
  width: number;
  height: number;
  imageUrl?: string | null;
  mask?: Uint8Array;
  readOnly?: boolean;
  /** Colour of the first label (the nucleus). */
  colour?: string;
  /** The label table; default: nucleus = 1. With kinds (a project's label set) the editor draws instances and saves label maps. */
  labels?: Label[];
  /** The project's painting rule: paint over other classes (`replace`) or into background only. */
  paintRule?: PaintRule;
  /** Listen for shortcuts on the whole document (one editor per page should). */
  keyboard?: boolean;
  /** Show the built-in tool bar. */
  toolbar?: boolean;
  brushSize?: number;
  tool?: ToolName;
  historySteps?: number;
  ariaLabel?: string;
  /** Small caption in the top-left corner of the canvas (e.g. "Fluorescence"). */
  label?: string;
}

export interface SetMaskOptions {
  record?: boolean;
  label?: string;
  /** Instance ids of the mask; left out, each object of an instance class is numbered by its connected part. */
  ids?: Uint16Array | null;
}

export interface RenderStats {
  /** Milliseconds spent on tool work plus drawing for this frame. */
  ms: number;
  /** True while a brush/eraser stroke is in progress. */
  stroke: boolean;
  /** Pointer events folded into this frame. */
  events: number;
  rect: Rect | null;
}

export interface ViewChangeDetail extends View {
  source: ViewSource;
}

export interface ChangeDetail {
  label: string;
  source: ChangeSource;
  rect: Rect | null;
}
