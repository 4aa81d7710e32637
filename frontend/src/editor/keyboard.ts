/**
 * The editor's keyboard map and its entry in the shortcut list. Keys are read
 * on the whole document (one editor per page listens); an editor inside a
 * hidden panel, a text field or an event someone else handled is left alone.
 */

import { isMod, isTypingTarget, type ShortcutDef, type ShortcutGroup } from '../lib/keys';
import { TOOL_INFO, TOOL_NAMES, type Tool, type ToolContext, type ToolName } from './tools';

/** What the keys and the tool bar can ask the editor to do. */
export interface EditorCommands {
  undo(): boolean;
  redo(): boolean;
  clear(): void;
  fillHoles(): void;
  zoomBy(factor: number): void;
  resetView(): void;
  setBrushSize(size: number): void;
  setTool(tool: ToolName): void;
  cycleMaskStyle(): void;
  /** Selects the class with this value (the palette). */
  setClass(value: number): void;
}

export interface KeyHost extends EditorCommands {
  readonly root: HTMLElement;
  readonly readOnly: boolean;
  readonly brushSize: number;
  /** The chosen tool and its context, for keys an unfinished shape handles itself. */
  readonly activeTool: Tool;
  readonly ctx: ToolContext;
  /** Shift (subtract / erase preview), Space (pan) or Alt (add to the current instance) went down or up. */
  setModifier(key: 'shift' | 'space' | 'alt', down: boolean): void;
  /** The class value a shortcut key selects, if any. */
  classForKey(key: string): number | undefined;
  /** The tool's feedback needs drawing again (its shape changed). */
  redrawTool(): void;
}

/** Each tool by its key (TOOL_INFO), lower case. */
const TOOL_KEYS: Record<string, ToolName> = Object.fromEntries(TOOL_NAMES.map((t) => [TOOL_INFO[t].key.toLowerCase(), t]));

/** The largest brush in image pixels: where [ and ] stop and where the size slider ends. */
export const BRUSH_MAX = 200;

/** A brush size the editor takes: a whole number of pixels from 1 to BRUSH_MAX (12 when not a number). */
export function clampBrushSize(n: number): number {
  return Math.max(1, Math.min(BRUSH_MAX, Math.round(Number.isFinite(n) ? n : 12)));
}

/** Bigger steps for bigger brushes, so [ and ] feel even across sizes. */
export function brushStep(size: number): number {
  return size < 10 ? 1 : size < 30 ? 2 : 5;
}

/** The action a key press stands for, or null when the editor does not use it. */
export function keyAction(ev: KeyboardEvent, host: KeyHost): (() => void) | null {
  const key = ev.key;
  const edit = (fn: () => void) => (host.readOnly ? null : fn);
  if (isMod(ev)) {
    if (ev.altKey) return null;
    const k = key.toLowerCase();
    if (k === 'z' && !ev.shiftKey) return () => void host.undo();
    if ((k === 'z' && ev.shiftKey) || k === 'y') return () => void host.redo();
    return null;
  }
  if (ev.altKey) return null;
  if (key === ' ') {
    // A focused control keeps Space for itself (toggling a checkbox, pressing a button).
    if (ev.target instanceof Element && ev.target.closest('button, input, select, textarea, a[href], summary, [role="button"]')) return null;
    // Otherwise Space-drag pans, and the page must not scroll.
    return () => host.setModifier('space', true);
  }
  const tool = host.activeTool;
  const own = tool.pending && tool.key ? tool.key(key, ev.shiftKey, host.ctx) : null;
  if (own) {
    return () => {
      own();
      host.redrawTool();
    };
  }
  if ((key === 'Delete' || key === 'Backspace') && ev.shiftKey) return edit(() => host.clear());
  switch (key) {
    case '+':
    case '=':
      return () => host.zoomBy(1.25);
    case '-':
    case '_':
      return () => host.zoomBy(0.8);
    case '0':
      return () => host.resetView();
    case '[':
      return edit(() => host.setBrushSize(host.brushSize - brushStep(host.brushSize)));
    case ']':
      return edit(() => host.setBrushSize(host.brushSize + brushStep(host.brushSize)));
    default:
      break;
  }
  if (ev.shiftKey) return null;
  const k = key.toLowerCase();
  const t = TOOL_KEYS[k];
  if (t) return t === 'hand' ? () => host.setTool(t) : edit(() => host.setTool(t));
  if (k === 'f') return edit(() => host.fillHoles());
  if (k === 'o') return () => host.cycleMaskStyle();
  const cls = host.classForKey(k);
  if (cls !== undefined) return edit(() => host.setClass(cls));
  return null;
}

/** Listens on the document; returns the function that stops listening. */
export function bindKeyboard(host: KeyHost): () => void {
  const down = (ev: KeyboardEvent) => {
    if (ev.defaultPrevented || isTypingTarget(ev.target) || !host.root.isConnected) return;
    // Editors inside hidden panels must not react.
    if (host.root.offsetParent === null) return;
    if (ev.key === 'Shift') return host.setModifier('shift', true);
    if (ev.key === 'Alt') {
      ev.preventDefault(); // keeps the browser's menu bar from taking the focus
      return host.setModifier('alt', true);
    }
    const action = keyAction(ev, host);
    if (action) {
      ev.preventDefault();
      action();
    }
  };
  const up = (ev: KeyboardEvent) => {
    if (ev.key === 'Shift') host.setModifier('shift', false);
    if (ev.key === ' ') host.setModifier('space', false);
    if (ev.key === 'Alt') host.setModifier('alt', false);
  };
  const blur = () => {
    host.setModifier('space', false);
    host.setModifier('shift', false);
    host.setModifier('alt', false);
  };
  document.addEventListener('keydown', down);
  document.addEventListener('keyup', up);
  window.addEventListener('blur', blur);
  return () => {
    document.removeEventListener('keydown', down);
    document.removeEventListener('keyup', up);
    window.removeEventListener('blur', blur);
  };
}

/** A tool's entry in the shortcut list: its key and name, then how it is used. */
function toolShortcut(tool: ToolName, usage?: string): ShortcutDef {
  const { key, label } = TOOL_INFO[tool];
  return { keys: key, label: usage ? `${label}: ${usage}` : `${label} tool` };
}

const DRAWING_KEYS: ShortcutGroup = {
  title: 'Drawing',
  items: [
    toolShortcut('polygon', 'click points, double-click / Enter closes, Esc cancels, Backspace removes last point'),
    toolShortcut('lasso', 'drag an outline, release closes'),
    { keys: 'B / E', label: 'Brush / Eraser' },
    { keys: '[ / ]', label: 'Smaller / larger brush' },
    { keys: 'Shift + draw', label: 'Subtract with polygon/lasso, erase with brush' },
    toolShortcut('cut', 'drag a line across touching instances to split them'),
    { keys: 'Alt + draw', label: 'Add to the current instance (otherwise each shape or stroke is a new one)' },
    { keys: 'Class key', label: 'Select that class (the palette shows each key)' },
    { keys: 'F', label: 'Fill holes' },
    { keys: 'Shift+Delete', label: 'Clear mask (undoable)' },
    { keys: 'Ctrl+Z', label: 'Undo' },
    { keys: 'Ctrl+Shift+Z / Ctrl+Y', label: 'Redo' },
    { keys: 'O', label: 'Mask: filled / outline / hidden' },
  ],
};

const VIEW_KEYS: ShortcutGroup = {
  title: 'View',
  items: [
    { keys: 'Wheel / + −', label: 'Zoom (around the cursor)' },
    { keys: '0', label: 'Fit image to window' },
    toolShortcut('hand'),
    { keys: 'Space + drag', label: 'Pan (also middle or right drag)' },
  ],
};

/** The editor's part of the shortcut list; a read-only editor only views. */
export function editorShortcuts(readOnly: boolean): ShortcutGroup[] {
  return readOnly ? [VIEW_KEYS] : [DRAWING_KEYS, VIEW_KEYS];
}
