/**
 * The one interface every drawing and navigation tool implements. The editor
 * turns DOM pointer events into ToolPointers, hands them to the chosen tool
 * (or to the hand while panning), and asks the tool to draw its own feedback.
 * Tools write only through the ToolContext, so each can be tested on a small
 * buffer without a browser.
 */

import type { MaskModel } from '../mask';
import type { Pt, Rect } from '../raster';
import type { Rgb } from '../render';
import type { View } from '../view';

export type ToolName = 'polygon' | 'lasso' | 'brush' | 'eraser' | 'cut' | 'hand';

export interface ToolPointer {
  id: number;
  button: number;
  shift: boolean;
  /** Alt (Option) held: the stroke adds to the current instance instead of starting a new one. */
  alt?: boolean;
  /** Milliseconds (performance.now()) of the event. */
  time: number;
  /** Position in the viewport, CSS pixels. */
  sx: number;
  sy: number;
  /** Position in image pixels, (0,0) = top-left corner of the first pixel. */
  x: number;
  y: number;
  /** Image positions of the events the browser coalesced into this one, oldest first, ending here. */
  trail: readonly Pt[];
}

export interface ToolContext {
  readonly model: MaskModel;
  readonly view: View;
  readonly brushSize: number;
  /** Alt is held: shapes add to the current instance (the key state, for shapes closed by a key). */
  readonly addToCurrent?: boolean;
  /** The mask changed inside `rect` during a gesture: draw it next frame (no undo step yet). */
  touched(rect: Rect | null): void;
  /** Moves the image so that its origin lands at (tx, ty) on screen. */
  pan(tx: number, ty: number): void;
  toast(text: string): void;
}

export interface PreviewState {
  /** Tool canvas, already scaled to CSS pixels. */
  g: CanvasRenderingContext2D;
  view: View;
  pointer: { sx: number; sy: number; inside: boolean };
  shift: boolean;
  /** The view is being dragged (hand gesture or Space held). */
  panning: boolean;
  brushSize: number;
  /** Colour of the active label. */
  colour: Rgb;
}

export interface Tool {
  readonly name: ToolName;
  /** CSS cursor over the canvas while this tool is chosen. */
  readonly cursor: string;
  /** Paints on every move (brush, eraser): frames during its gestures count as stroke frames. */
  readonly continuous: boolean;
  /** An unfinished shape exists (polygon points, a lasso outline). */
  readonly pending: boolean;
  /** Primary-button press. Returns true when the tool keeps the pointer until up or cancel. */
  down(p: ToolPointer, ctx: ToolContext): boolean;
  move(p: ToolPointer, ctx: ToolContext): void;
  up(p: ToolPointer, ctx: ToolContext): void;
  /** Abandons an unfinished shape; a stroke already painted is kept as one undo step. */
  cancel(ctx: ToolContext): void;
  /** Draws the tool's feedback (outline so far, brush footprint) in screen space. */
  preview(s: PreviewState): void;
  /** A key the tool handles while its shape is unfinished; returns the action, or null. */
  key?(key: string, shift: boolean, ctx: ToolContext): (() => void) | null;
  /** Ctrl+Z inside an unfinished shape removes its last point first; false when there is none. */
  undoPoint?(ctx: ToolContext): boolean;
  dblclick?(shift: boolean, ctx: ToolContext): boolean;
}

/** Feedback colour of shapes that subtract (Shift). */
export const SUBTRACT_RGB: Rgb = { r: 255, g: 80, b: 80 };
