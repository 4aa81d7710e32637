/**
 * MaskEditor: the shared canvas for drawing and showing label masks on a
 * microscopy section; the page modules, the browser tests and
 * `window.cellweb.editor` use it. The display (image, overlays, zoom) comes
 * from MaskCanvas; this facade adds editing and wires its rooms together:
 * pointer.ts hands each gesture to one Tool from tools/ (brush, eraser,
 * polygon, lasso, hand), keyboard.ts maps keys, toolbar.ts draws the tool bar,
 * and every change lands in mask.ts as one undo step. Tools paint the active
 * label of the label table (labels.ts), the eraser paints background.
 */

import type { ShortcutGroup } from '../lib/keys';
import { h } from '../lib/dom';
import { bindKeyboard, clampBrushSize, editorShortcuts, type KeyHost } from './keyboard';
import { MaskCanvas } from './MaskCanvas';
import type { ChangeSource } from './mask';
import { PointerInput } from './pointer';
import { decodeLabelPng } from './labelpng';
import { base64ToBytes, resizeMask } from './png';
import type { Rect } from './raster';
import { parseColour } from './render';
import { Toolbar, type ToolbarHost } from './toolbar';
import { createTools, TOOL_INFO, TOOL_NAMES, type Tool, type ToolContext, type ToolName } from './tools';
import type { ChangeDetail, MaskEditorOptions, RenderStats, SetMaskOptions } from './types';

export type { Label } from './labels';
export type { Overlay } from './overlays';
export type { ToolName } from './tools';
export type { ChangeDetail, MaskEditorOptions, RenderStats, SetMaskOptions, ViewChangeDetail } from './types';

export class MaskEditor extends MaskCanvas {
  private readonly tools = createTools();
  private readonly ctx: ToolContext;
  private readonly input: PointerInput;
  private readonly toolbar: Toolbar | null = null;
  private readOnlyFlag: boolean;
  private toolName: ToolName;
  private brush: number;
  private shiftDown = false;
  private altDown = false;
  private spaceDown = false;

  constructor(container: HTMLElement, opts: MaskEditorOptions) {
    super(container, opts);
    this.readOnlyFlag = opts.readOnly ?? false;
    this.toolName = opts.tool ?? 'brush';
    this.brush = clampBrushSize(opts.brushSize ?? 12);
    this.model.onChange = (c) => this.afterChange(c.label, c.source, c.rect);
    const self = this;
    this.ctx = {
      model: this.model,
      get view() { return self.viewport.view; },
      get brushSize() { return self.brush; },
      get addToCurrent() { return self.altDown; },
      touched: (rect) => this.layers.markMask(rect),
      pan: (tx, ty) => this.viewport.panTo(tx, ty),
      toast: (text) => this.showToast(text),
    };
    const commands: KeyHost & ToolbarHost = {
      root: this.root,
      get readOnly() { return self.readOnlyFlag; },
      get brushSize() { return self.brush; },
      get activeTool() { return self.activeTool; },
      ctx: this.ctx,
      undo: () => this.undo(),
      redo: () => this.redo(),
      clear: () => this.clear(),
      fillHoles: () => this.fillHoles(),
      zoomBy: (factor) => this.zoomBy(factor),
      resetView: () => this.resetView(),
      setBrushSize: (size) => this.setBrushSize(size),
      setTool: (tool) => this.setTool(tool),
      cycleMaskStyle: () => this.cycleMaskStyle(),
      setClass: (value) => this.setClass(value),
      classForKey: (key) => this.labelTable.forKey(key)?.value,
      setModifier: (key, down) => this.setModifier(key, down),
      redrawTool: () => this.layers.markTool(),
      focus: () => this.layers.element.focus({ preventScroll: true }),
    };
    if (opts.toolbar !== false) {
      this.toolbar = new Toolbar(h('div', { class: 'cw-toolbar', role: 'toolbar', 'aria-label': 'Mask tools' }), commands);
      this.root.prepend(this.toolbar.el);
    }
    const pointerHost = {
      element: this.layers.element,
      get readOnly() { return self.readOnlyFlag; },
      get spaceDown() { return self.spaceDown; },
      get tool() { return self.activeTool; },
      hand: this.tools.hand,
      ctx: this.ctx,
      zoomBy: (factor: number, sx: number, sy: number) => this.zoomBy(factor, sx, sy),
      moved: () => this.pointerMoved(),
      gestureChanged: () => this.applyModeClasses(),
    };
    this.input = new PointerInput(pointerHost, this.pointer);
    this.disposers.push(this.input.bind());
    if (opts.keyboard !== false) this.disposers.push(bindKeyboard(commands));
    this.buildToolbar();
    this.applyModeClasses();
  }

  get tool(): ToolName {
    return this.toolName;
  }

  get readOnly(): boolean {
    return this.readOnlyFlag;
  }

  get brushSize(): number {
    return this.brush;
  }

  /** True while a polygon or another outline is begun and not closed: it is not in the mask yet. */
  get shapePending(): boolean {
    return TOOL_NAMES.some((name) => this.tools[name].pending);
  }

  get canUndo(): boolean {
    return this.model.history.canUndo;
  }

  get canRedo(): boolean {
    return this.model.history.canRedo;
  }

  get undoDepth(): number {
    return this.model.history.undoDepth;
  }

  /**
   * Replaces the mask. With `record` (default) the change is one undo step;
   * without it the history is cleared, since older steps would no longer
   * apply to the new content.
   */
  setMask(m: Uint8Array, opts: SetMaskOptions = {}): void {
    this.cancelShapes();
    this.model.replace(m, opts.label ?? 'Set mask', opts.record ?? true, opts.ids ?? null);
  }

  /** Loads any mask PNG: binary, class map or instance map (its instances kept). */
  fromPngBase64(b64: string, opts: SetMaskOptions = {}): void {
    const d = decodeLabelPng(base64ToBytes(b64));
    const W = this.width;
    const H = this.height;
    this.setMask(resizeMask(d.classes, d.width, d.height, W, H), { ...opts, ids: d.ids && resizeMask(d.ids, d.width, d.height, W, H) });
  }

  /** The class the tools draw; the palette and the class keys set it. */
  setClass(value: number): void {
    if (!this.labelTable.get(value)) return;
    this.labelTable.setActive(value);
    this.toolbar?.setClass(value);
    this.layers.markTool();
    this.dispatchEvent(new CustomEvent('classchange', { detail: value }));
  }

  undo(): boolean {
    // Undo inside an unfinished polygon removes its last point first.
    if (!this.readOnlyFlag && this.activeTool.undoPoint?.(this.ctx)) {
      this.layers.markTool();
      return true;
    }
    return this.travel('undo');
  }

  redo(): boolean {
    return this.travel('redo');
  }

  fillHoles(): void {
    if (this.readOnlyFlag) return;
    this.showToast(this.model.fillHoles() ? 'Holes filled' : 'No enclosed holes to fill');
  }

  clear(): void {
    if (!this.readOnlyFlag && this.model.clear()) this.showToast('Mask cleared — Ctrl+Z brings it back', 4000);
  }

  setReadOnly(readOnly: boolean): void {
    if (readOnly === this.readOnlyFlag) return;
    this.cancelShapes();
    this.input.end();
    this.readOnlyFlag = readOnly;
    this.buildToolbar();
    this.applyModeClasses();
  }

  setTool(tool: ToolName): void {
    if ((this.readOnlyFlag && tool !== 'hand') || tool === this.toolName) return;
    this.cancelShapes();
    this.toolName = tool;
    this.toolbar?.setTool(tool);
    this.layers.setHint(this.readOnlyFlag ? '' : TOOL_INFO[tool].hint);
    this.applyModeClasses();
    this.dispatchEvent(new CustomEvent('toolchange', { detail: tool }));
  }

  setBrushSize(size: number): void {
    this.brush = clampBrushSize(size);
    this.toolbar?.setBrushSize(this.brush);
    this.layers.markTool();
  }

  shortcuts(): ShortcutGroup[] {
    return editorShortcuts(this.readOnlyFlag);
  }

  protected override drawTool(g: CanvasRenderingContext2D): void {
    if (this.readOnlyFlag) return;
    const colour = parseColour(this.labelTable.active.colour);
    const panning = this.spaceDown || this.input.panning;
    this.activeTool.preview({ g, view: this.viewport.view, pointer: this.pointer, shift: this.shiftDown, panning, brushSize: this.brush, colour });
  }

  protected override frameWork(): Omit<RenderStats, 'rect'> {
    return { ...this.input.takeStats(), stroke: this.input.stroking };
  }

  private get activeTool(): Tool {
    return this.tools[this.toolName];
  }

  private travel(direction: 'undo' | 'redo'): boolean {
    if (this.readOnlyFlag) return false;
    const e = direction === 'undo' ? this.model.undo() : this.model.redo();
    this.showToast(e ? `${direction === 'undo' ? 'Undone' : 'Redone'}: ${e.label}` : `Nothing to ${direction}`);
    return e !== null;
  }

  private afterChange(label: string, source: ChangeSource, rect: Rect): void {
    this.layers.markMask(rect);
    this.toolbar?.updateHistory(this.model.history);
    this.dispatchEvent(new CustomEvent<ChangeDetail>('change', { detail: { label, source, rect } }));
  }

  /** Abandons unfinished polygon or lasso outlines (new tool, new content, read-only). */
  private cancelShapes(): void {
    for (const name of TOOL_NAMES) if (this.tools[name].pending) this.tools[name].cancel(this.ctx);
    this.layers.markTool();
  }

  private setModifier(key: 'shift' | 'space' | 'alt', down: boolean): void {
    if (key === 'shift') this.shiftDown = down;
    else if (key === 'alt') this.altDown = down;
    else this.spaceDown = down;
    this.applyModeClasses();
  }

  private buildToolbar(): void {
    this.layers.setHint(this.readOnlyFlag ? '' : TOOL_INFO[this.toolName].hint);
    this.toolbar?.build(this.readOnlyFlag, this.toolName, this.brush, this.labelTable);
    this.toolbar?.updateHistory(this.model.history);
  }

  private applyModeClasses(): void {
    const cls = this.root.classList;
    cls.toggle('is-readonly', this.readOnlyFlag);
    for (const t of TOOL_NAMES) cls.toggle(`tool-${t}`, this.toolName === t);
    cls.toggle('is-panning', this.input.panning);
    cls.toggle('is-space', this.spaceDown);
    this.root.style.setProperty('--cw-tool-cursor', this.activeTool.cursor);
    this.layers.markTool();
  }
}
