import { describe, expect, it } from 'vitest';
import { BRUSH_MAX, brushStep, clampBrushSize, keyAction, type KeyHost } from '../src/editor/keyboard';
import { MaskModel } from '../src/editor/mask';
import { createTools, type ToolContext } from '../src/editor/tools';

function host(readOnly = false) {
  const calls: string[] = [];
  const tools = createTools();
  const ctx: ToolContext = {
    model: new MaskModel(16, 16),
    view: { scale: 1, tx: 0, ty: 0 },
    brushSize: 12,
    touched: () => {},
    pan: () => {},
    toast: (t) => calls.push(`toast ${t}`),
  };
  const log = (name: string) => (...args: unknown[]) => {
    calls.push([name, ...args].join(' '));
    return true;
  };
  const h = {
    root: null as unknown as HTMLElement,
    readOnly,
    brushSize: 12,
    activeTool: tools.polygon,
    ctx,
    undo: log('undo'),
    redo: log('redo'),
    clear: log('clear'),
    fillHoles: log('fillHoles'),
    zoomBy: log('zoomBy'),
    resetView: log('resetView'),
    setBrushSize: log('setBrushSize'),
    setTool: log('setTool'),
    cycleMaskStyle: log('cycleMaskStyle'),
    setModifier: log('setModifier'),
    redrawTool: log('redrawTool'),
    setClass: log('setClass'),
    classForKey: (k: string) => ({ '1': 1, c: 2 })[k],
  } satisfies KeyHost;
  return { h, calls, tools };
}

const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}) =>
  ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, target: null, ...mods }) as unknown as KeyboardEvent;

function press(h: KeyHost, ...events: KeyboardEvent[]): void {
  for (const ev of events) keyAction(ev, h)?.();
}

describe('editor key map', () => {
  it('maps the documented keys to editor commands', () => {
    const { h, calls } = host();
    press(h, key('z', { ctrlKey: true }), key('Z', { ctrlKey: true, shiftKey: true }), key('y', { metaKey: true }));
    press(h, key('b'), key('E'), key('l'), key('p'), key('h'), key('f'), key('o'), key('0'), key('+'), key('-'), key(']'), key('['));
    press(h, key('Delete', { shiftKey: true }));
    expect(calls).toEqual([
      'undo', 'redo', 'redo',
      'setTool brush', 'setTool eraser', 'setTool lasso', 'setTool polygon', 'setTool hand',
      'fillHoles', 'cycleMaskStyle', 'resetView', 'zoomBy 1.25', 'zoomBy 0.8', 'setBrushSize 14', 'setBrushSize 10',
      'clear',
    ]);
    expect(keyAction(key('z', { ctrlKey: true, altKey: true }), h)).toBeNull();
    expect(keyAction(key('q'), h)).toBeNull();
  });

  it('leaves only viewing keys to a read-only editor', () => {
    const { h, calls } = host(true);
    press(h, key('b'), key('f'), key('['), key('Delete', { shiftKey: true }), key('h'), key('0'));
    expect(calls).toEqual(['setTool hand', 'resetView']);
  });

  it('lets an unfinished polygon take Enter, Backspace and Escape first', () => {
    const { h, calls, tools } = host();
    expect(keyAction(key('Enter'), h)).toBeNull();
    press(h, key('Backspace', { shiftKey: true }));
    expect(calls).toEqual(['clear']);
    calls.length = 0;
    tools.polygon.down({ id: 1, button: 0, shift: false, time: 0, sx: 2, sy: 2, x: 2, y: 2, trail: [[2, 2]] }, h.ctx);
    press(h, key('Backspace', { shiftKey: true }));
    expect(tools.polygon.pending).toBe(false);
    expect(calls).toEqual(['redrawTool']);
  });

  it('steps the brush size faster for larger brushes', () => {
    expect([1, 9, 10, 29, 30, 80].map(brushStep)).toEqual([1, 1, 2, 2, 5, 5]);
  });

  it('keeps brush sizes whole and between 1 and the end of the size slider', () => {
    expect(BRUSH_MAX).toBe(200);
    expect([0, 1, 12.4, 80, 85, 200, 205, Number.NaN].map(clampBrushSize)).toEqual([1, 1, 12, 80, 85, 200, 200, 12]);
  });
});
