/**
 * The editor's tool bar: tools, brush size, fill / clear, undo / redo, zoom
 * and mask display. It only calls back into the editor and mirrors its state;
 * a read-only editor gets the hand and the view buttons alone.
 */

import { h } from '../lib/dom';
import { icons } from '../lib/icons';
import type { MaskHistory } from './history';
import type { LabelTable } from './labels';
import { BRUSH_MAX, type EditorCommands } from './keyboard';
import { EDIT_TOOLS, TOOL_INFO, type ToolName } from './tools';

export interface ToolbarHost extends EditorCommands {
  /** Gives the keyboard focus back to the canvas after a click. */
  focus(): void;
}

interface ButtonOptions {
  title?: string;
  iconOnly?: boolean;
}

export class Toolbar {
  private toolButtons = new Map<ToolName, HTMLButtonElement>();
  private classButtons = new Map<number, HTMLButtonElement>();
  private undoBtn: HTMLButtonElement | null = null;
  private redoBtn: HTMLButtonElement | null = null;
  private sizeInput: HTMLInputElement | null = null;
  private sizeValue: HTMLElement | null = null;

  constructor(
    readonly el: HTMLElement,
    private readonly host: ToolbarHost,
  ) {}

  build(readOnly: boolean, tool: ToolName, brushSize: number, labels?: LabelTable): void {
    const bar = this.el;
    bar.replaceChildren();
    this.toolButtons.clear();
    this.classButtons.clear();
    const group = (...children: HTMLElement[]) => h('div', { class: 'cw-toolbar-group' }, ...children);
    if (!readOnly && labels?.hasKinds) bar.appendChild(this.palette(labels));
    const tools: ToolName[] = readOnly ? ['hand'] : [...EDIT_TOOLS, 'hand'];
    const toolBtns = tools.map((t) => {
      const info = TOOL_INFO[t];
      const b = this.button(info.icon, info.label, info.key, () => this.host.setTool(t), { title: `${info.label} (${info.key}) — ${info.hint}` });
      b.dataset.tool = t;
      this.toolButtons.set(t, b);
      return b;
    });
    bar.appendChild(group(...toolBtns));
    this.setTool(tool);
    this.sizeInput = this.sizeValue = this.undoBtn = this.redoBtn = null;
    if (!readOnly) {
      const sizeTitle = 'Brush size ([ and ] change it)';
      const input = h('input', { type: 'range', min: 1, max: BRUSH_MAX, step: 1, value: brushSize, 'aria-label': 'Brush size in pixels', title: sizeTitle });
      input.addEventListener('input', () => this.host.setBrushSize(Number(input.value)));
      this.sizeInput = input;
      this.sizeValue = h('span', { class: 'cw-size-value' }, `${brushSize} px`);
      bar.appendChild(group(h('label', { class: 'cw-size', title: sizeTitle }, input, this.sizeValue, h('kbd', { class: 'cw-kbd' }, '[ ]'))));
      bar.appendChild(
        group(
          this.button(icons.fill, 'Fill holes', 'F', () => this.host.fillHoles()),
          this.button(icons.trash, 'Clear', '⇧Del', () => this.host.clear(), { title: 'Clear the mask (Shift+Delete) — undo brings it back' }),
        ),
      );
      this.undoBtn = this.button(icons.undo, 'Undo', '', () => this.host.undo(), { iconOnly: true });
      this.redoBtn = this.button(icons.redo, 'Redo', '', () => this.host.redo(), { iconOnly: true });
      bar.appendChild(group(this.undoBtn, this.redoBtn));
    }
    const view = (icon: string, label: string, title: string, fn: () => void) => this.button(icon, label, '', fn, { title, iconOnly: true });
    bar.appendChild(
      group(
        view(icons.zoomOut, 'Zoom out', 'Zoom out (− or wheel)', () => this.host.zoomBy(0.8)),
        view(icons.fit, 'Fit', 'Fit image to window (0)', () => this.host.resetView()),
        view(icons.zoomIn, 'Zoom in', 'Zoom in (+ or wheel)', () => this.host.zoomBy(1.25)),
        view(icons.outline, 'Mask', 'Mask display: filled / outline / hidden (O)', () => this.host.cycleMaskStyle()),
      ),
    );
  }

  /** The class palette: a swatch, the name and the key of each class; the pressed one is drawn. */
  private palette(labels: LabelTable): HTMLElement {
    const buttons = labels.labels.map((l) => {
      const kind = l.kind === 'instances' ? 'instances: each shape is a new one, Alt adds to the current' : 'region';
      const b = h(
        'button',
        { type: 'button', class: 'cw-tool cw-class', title: `${l.name} (${kind})${l.shortcut ? ` — key ${l.shortcut.toUpperCase()}` : ''}`, 'aria-label': `Class ${l.name}` },
        swatch(l.colour),
        h('span', { class: 'cw-tool-label' }, l.name),
        l.shortcut ? h('kbd', { class: 'cw-kbd' }, l.shortcut.toUpperCase()) : null,
      );
      b.dataset.classValue = String(l.value);
      b.addEventListener('click', () => {
        this.host.setClass(l.value);
        this.host.focus();
      });
      this.classButtons.set(l.value, b);
      return b;
    });
    const group = h('div', { class: 'cw-toolbar-group cw-palette', role: 'group', 'aria-label': 'Classes' }, ...buttons);
    this.setClass(labels.active.value);
    return group;
  }

  setClass(value: number): void {
    for (const [v, b] of this.classButtons) b.setAttribute('aria-pressed', String(v === value));
  }

  setTool(tool: ToolName): void {
    for (const [t, b] of this.toolButtons) b.setAttribute('aria-pressed', String(t === tool));
  }

  setBrushSize(size: number): void {
    if (this.sizeInput) this.sizeInput.value = String(size);
    if (this.sizeValue) this.sizeValue.textContent = `${size} px`;
  }

  /** Enables undo / redo and names the step each would take back in its tooltip. */
  updateHistory(history: MaskHistory): void {
    if (this.undoBtn) {
      this.undoBtn.disabled = !history.canUndo;
      this.undoBtn.title = history.nextUndoLabel ? `Undo ${history.nextUndoLabel} (Ctrl+Z)` : 'Undo (Ctrl+Z)';
    }
    if (this.redoBtn) {
      this.redoBtn.disabled = !history.canRedo;
      this.redoBtn.title = history.nextRedoLabel ? `Redo ${history.nextRedoLabel} (Ctrl+Shift+Z)` : 'Redo (Ctrl+Shift+Z)';
    }
  }

  /** A tool bar button; a shortcut chip follows the label unless the button shows only its icon. */
  private button(icon: string, label: string, kbd: string, onClick: () => void, opts: ButtonOptions = {}): HTMLButtonElement {
    const b = h(
      'button',
      { type: 'button', class: `cw-tool${opts.iconOnly ? ' cw-tool-icon' : ''}`, title: opts.title ?? `${label} (${kbd})`, 'aria-label': label },
      h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icon }),
      opts.iconOnly ? null : h('span', { class: 'cw-tool-label' }, label),
      opts.iconOnly ? null : h('kbd', { class: 'cw-kbd' }, kbd),
    );
    b.addEventListener('click', () => {
      onClick();
      this.host.focus();
    });
    return b;
  }
}

function swatch(colour: string): HTMLElement {
  const el = h('span', { class: 'cw-swatch', 'aria-hidden': 'true' });
  el.style.background = colour;
  return el;
}
