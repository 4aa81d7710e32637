import { describe, expect, it } from 'vitest';
import { LabelTable, NUCLEUS } from '../src/editor/labels';
import { MaskModel } from '../src/editor/mask';
import { countOn, type Rect } from '../src/editor/raster';
import { BrushTool, createTools, EraserTool, HandTool, LassoTool, PolygonTool, type ToolContext, type ToolPointer } from '../src/editor/tools';
import type { View } from '../src/editor/view';

const W = 32;
const H = 24;
const CYTOPLASM = { value: 2, name: 'cytoplasm', colour: '#ff8000' };

/** A tool context on a small buffer: identity view, recorded side effects. */
function setup(opts: { active?: number; brushSize?: number; view?: View } = {}) {
  const model = new MaskModel(W, H, new LabelTable([NUCLEUS, CYTOPLASM]));
  if (opts.active) model.labels.setActive(opts.active);
  const touched: Rect[] = [];
  const pans: [number, number][] = [];
  const toasts: string[] = [];
  const ctx: ToolContext = {
    model,
    view: opts.view ?? { scale: 1, tx: 0, ty: 0 },
    brushSize: opts.brushSize ?? 5,
    touched: (r) => r && touched.push(r),
    pan: (tx, ty) => pans.push([tx, ty]),
    toast: (t) => toasts.push(t),
  };
  return { model, ctx, touched, pans, toasts };
}

let clock = 0;
/** A primary-button pointer at image (x, y); with the identity view screen = image. */
function at(x: number, y: number, extra: Partial<ToolPointer> = {}): ToolPointer {
  clock += 1000;
  return { id: 1, button: 0, shift: false, time: clock, sx: x, sy: y, x, y, trail: [[x, y]], ...extra };
}

const values = (m: MaskModel) => new Set(m.data);

describe('the Tool interface', () => {
  it('one instance per tool name, each naming its cursor', () => {
    const tools = createTools();
    for (const [name, tool] of Object.entries(tools)) {
      expect(tool.name).toBe(name);
      expect(tool.cursor).toMatch(/^(none|crosshair|grab)$/);
      expect(tool.pending).toBe(false);
    }
    expect(tools.brush.continuous && tools.eraser.continuous).toBe(true);
    expect(tools.polygon.continuous || tools.lasso.continuous || tools.hand.continuous).toBe(false);
  });
});

describe('brush', () => {
  it('paints the active label along the stroke and records one undo step on release', () => {
    const { model, ctx, touched } = setup({ active: 2 });
    const brush = new BrushTool();
    expect(brush.down(at(4.2, 10.3), ctx)).toBe(true);
    brush.move(at(20, 10, { trail: [[10, 10], [20, 10.4]] }), ctx);
    expect(model.history.undoDepth).toBe(0);
    brush.up(at(20, 10), ctx);
    expect(values(model)).toEqual(new Set([0, 2]));
    // A 5 px swept disk from x≈4.5 to 20.5 covers every pixel of the row in between.
    for (let x = 5; x <= 20; x++) expect(model.data[10 * W + x]).toBe(2);
    expect(touched.length).toBeGreaterThanOrEqual(2);
    expect(model.history.undoDepth).toBe(1);
    expect(model.history.nextUndoLabel).toBe('Brush stroke');
    model.undo();
    expect(countOn(model.data)).toBe(0);
  });

  it('erases with Shift held at the start of the stroke', () => {
    const { model, ctx } = setup();
    model.data.fill(1);
    const brush = new BrushTool();
    brush.down(at(16, 12, { shift: true }), ctx);
    brush.up(at(16, 12), ctx);
    expect(model.data[12 * W + 16]).toBe(0);
    expect(model.history.nextUndoLabel).toBe('Erase stroke');
  });

  it('keeps a stroke cancelled by the browser as one undo step', () => {
    const { model, ctx } = setup();
    const brush = new BrushTool();
    brush.down(at(8, 8), ctx);
    brush.cancel(ctx);
    expect(model.data[8 * W + 8]).toBe(1);
    expect(model.history.undoDepth).toBe(1);
  });
});

describe('eraser', () => {
  it('paints background, and the active label with Shift', () => {
    const { model, ctx } = setup({ active: 2 });
    model.data.fill(1);
    const eraser = new EraserTool();
    eraser.down(at(8.5, 8.5), ctx);
    eraser.move(at(14.5, 8.5), ctx);
    eraser.up(at(14.5, 8.5), ctx);
    for (let x = 8; x <= 14; x++) expect(model.data[8 * W + x]).toBe(0);
    expect(model.data[0]).toBe(1);
    expect(model.history.nextUndoLabel).toBe('Erase stroke');
    eraser.down(at(24.5, 20.5, { shift: true }), ctx);
    eraser.up(at(24.5, 20.5), ctx);
    expect(model.data[20 * W + 24]).toBe(2);
  });
});

describe('polygon', () => {
  // Corners further apart than the 9 px that close a polygon on a click near its first point.
  const square: [number, number][] = [[2, 2], [22, 2], [22, 18], [2, 18]];

  it('fills the clicked outline with the active label when Enter closes it', () => {
    const { model, ctx } = setup({ active: 2 });
    const polygon = new PolygonTool();
    for (const [x, y] of square) expect(polygon.down(at(x, y), ctx)).toBe(false);
    expect(polygon.pending).toBe(true);
    polygon.key('Enter', false, ctx)!();
    expect(polygon.pending).toBe(false);
    expect(countOn(model.data)).toBe(20 * 16);
    expect(values(model)).toEqual(new Set([0, 2]));
    expect(model.history.nextUndoLabel).toBe('Polygon');
  });

  it('closes on a click near the first point or a double-click, and subtracts with Shift', () => {
    const { model, ctx } = setup();
    const polygon = new PolygonTool();
    for (const [x, y] of square) polygon.down(at(x, y), ctx);
    polygon.down(at(3, 3), ctx);
    expect(countOn(model.data)).toBe(320);
    polygon.down(at(4, 4, { shift: true }), ctx);
    polygon.down(at(18, 4), ctx);
    polygon.down(at(18, 14), ctx);
    polygon.down(at(4, 14), ctx);
    // The second click of a double-click on the last point.
    polygon.down(at(4, 14, { time: clock + 100 }), ctx);
    expect(countOn(model.data)).toBe(320 - 14 * 10);
    expect(model.history.nextUndoLabel).toBe('Polygon subtract');
  });

  it('drops the last point on undo, cancels on Escape and refuses fewer than 3 points', () => {
    const { model, ctx, toasts } = setup();
    const polygon = new PolygonTool();
    polygon.down(at(2, 2), ctx);
    polygon.down(at(20, 2), ctx);
    polygon.down(at(30, 20), ctx);
    expect(polygon.undoPoint()).toBe(true);
    expect(polygon.dblclick(false, ctx)).toBe(true);
    expect(toasts).toEqual(['A polygon needs at least 3 points']);
    polygon.down(at(2, 2), ctx);
    polygon.key('Escape', false, ctx)!();
    expect(polygon.pending).toBe(false);
    expect(toasts.at(-1)).toBe('Polygon cancelled');
    expect(polygon.undoPoint()).toBe(false);
    expect(model.history.undoDepth).toBe(0);
  });
});

describe('lasso', () => {
  it('fills the dragged outline with the active label on release', () => {
    const { model, ctx } = setup({ active: 2 });
    const lasso = new LassoTool();
    expect(lasso.down(at(4, 4), ctx)).toBe(true);
    for (const [x, y] of [[20, 4], [20, 20], [4, 20]] as const) lasso.move(at(x, y), ctx);
    expect(countOn(model.data)).toBe(0);
    lasso.up(at(4, 20), ctx);
    expect(countOn(model.data)).toBe(16 * 16);
    expect(values(model)).toEqual(new Set([0, 2]));
    expect(model.history.nextUndoLabel).toBe('Lasso');
  });

  it('subtracts with Shift and leaves the mask alone when cancelled', () => {
    const { model, ctx } = setup();
    model.data.fill(1);
    const lasso = new LassoTool();
    lasso.down(at(4, 4, { shift: true }), ctx);
    for (const [x, y] of [[12, 4], [12, 12], [4, 12]] as const) lasso.move(at(x, y), ctx);
    lasso.up(at(4, 12), ctx);
    expect(countOn(model.data)).toBe(W * H - 64);
    lasso.down(at(20, 2), ctx);
    lasso.move(at(30, 2), ctx);
    lasso.move(at(30, 20), ctx);
    lasso.cancel();
    lasso.up(at(20, 20), ctx);
    expect(countOn(model.data)).toBe(W * H - 64);
    expect(model.history.undoDepth).toBe(1);
  });
});

describe('hand', () => {
  it('pans by the drag distance without painting', () => {
    const { model, ctx, pans, touched } = setup({ view: { scale: 2, tx: 10, ty: -5 } });
    const hand = new HandTool();
    expect(hand.down(at(50, 40), ctx)).toBe(true);
    hand.move(at(80, 30), ctx);
    hand.move(at(90, 45), ctx);
    hand.up();
    hand.move(at(0, 0), ctx);
    expect(pans).toEqual([[40, -15], [50, 0]]);
    expect(countOn(model.data)).toBe(0);
    expect(touched).toEqual([]);
    expect(model.history.undoDepth).toBe(0);
  });
});
