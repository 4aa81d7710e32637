import { describe, expect, it } from 'vitest';
import { cutInstances, numberComponents } from '../src/editor/instances';
import { decodeLabelPng, encodeLabelPng, readClassTable } from '../src/editor/labelpng';
import { LabelTable, type Label } from '../src/editor/labels';
import { MaskModel } from '../src/editor/mask';
import { fillPolygon } from '../src/editor/raster';
import { createTools, type ToolContext, type ToolPointer } from '../src/editor/tools';
import { drawLine } from '../src/editor/tools/cut';

const W = 40;
const H = 30;
const NUCLEUS: Label = { value: 1, name: 'nucleus', colour: '#00e5ff', shortcut: '1', kind: 'instances' };
const CYTOPLASM: Label = { value: 2, name: 'cytoplasm', colour: '#ffb000', shortcut: '2', kind: 'region' };

function setup(rule: 'replace' | 'background' = 'replace', alt = false) {
  const model = new MaskModel(W, H, new LabelTable([NUCLEUS, CYTOPLASM], rule));
  const toasts: string[] = [];
  const ctx: ToolContext = {
    model,
    view: { scale: 1, tx: 0, ty: 0 },
    brushSize: 4,
    addToCurrent: alt,
    touched: () => {},
    pan: () => {},
    toast: (t) => toasts.push(t),
  };
  return { model, ctx, toasts, tools: createTools() };
}

const at = (x: number, y: number, extra: Partial<ToolPointer> = {}): ToolPointer => ({ id: 1, button: 0, shift: false, time: 0, sx: x, sy: y, x, y, trail: [[x, y]], ...extra });

function lasso(ctx: ToolContext, pts: [number, number][], extra: Partial<ToolPointer> = {}): void {
  const tool = createTools().lasso;
  tool.down(at(...pts[0]!, extra), ctx);
  for (const p of pts.slice(1)) tool.move(at(...p, extra), ctx);
  tool.up(at(...pts[0]!, extra), ctx);
}

const rect = (x0: number, y0: number, x1: number, y1: number): [number, number][] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
const idsOf = (m: MaskModel, value: number) => new Set(Array.from(m.ids).filter((id, i) => id && m.data[i] === value));
const at2 = (m: MaskModel, x: number, y: number) => ({ value: m.data[y * W + x], id: m.ids[y * W + x] });

describe('drawing classes and instances', () => {
  it('makes each closed shape of an instance class a new instance, and Alt adds to the current one', () => {
    const { model, ctx } = setup();
    lasso(ctx, rect(2, 2, 10, 10));
    lasso(ctx, rect(12, 2, 20, 10));
    expect(idsOf(model, 1).size).toBe(2);
    lasso(ctx, rect(22, 2, 26, 10), { alt: true });
    expect(idsOf(model, 1).size).toBe(2);
    expect(at2(model, 24, 5).id).toBe(at2(model, 15, 5).id);
  });

  it('draws the selected class; region classes carry no instance id', () => {
    const { model, ctx } = setup();
    model.labels.setActive(2);
    lasso(ctx, rect(0, 0, 30, 20));
    expect(at2(model, 5, 5)).toEqual({ value: 2, id: 0 });
  });

  it('paints over another class with "replace" and only into background with "background"', () => {
    for (const [rule, inside] of [['replace', 1], ['background', 2]] as const) {
      const { model, ctx } = setup(rule);
      model.labels.setActive(2);
      lasso(ctx, rect(0, 0, 30, 20));
      model.labels.setActive(1);
      lasso(ctx, rect(5, 5, 35, 15));
      expect(at2(model, 10, 10).value).toBe(inside);
      expect(at2(model, 33, 10).value).toBe(1); // background was painted in both
    }
  });

  it('a brush stroke is one instance; undo and redo restore classes and ids together', () => {
    const { model, ctx, tools } = setup();
    lasso(ctx, rect(2, 2, 10, 10));
    const brush = tools.brush;
    brush.down(at(30, 5), ctx);
    brush.move({ ...at(30, 20), trail: [[30, 12], [30, 20]] }, ctx);
    brush.up(at(30, 20), ctx);
    expect(idsOf(model, 1).size).toBe(2);
    const before = model.ids.slice();
    model.undo();
    expect(idsOf(model, 1).size).toBe(1);
    model.redo();
    expect(Array.from(model.ids)).toEqual(Array.from(before));
  });
});

describe('fill holes in an instance class', () => {
  /** A ring of class `value` (its inside empty) as instance `id`, at x0..x1, y0..y1. */
  function ring(model: MaskModel, x0: number, y0: number, x1: number, y1: number, value: number, id: number): void {
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (x > x0 && x < x1 && y > y0 && y < y1) continue;
        model.data[y * W + x] = value;
        model.ids[y * W + x] = value === 1 ? id : 0;
      }
    }
  }

  it('fills the hole of a nucleus into that nucleus, not a new instance', () => {
    const { model } = setup();
    ring(model, 2, 2, 12, 12, 1, 7);
    ring(model, 20, 2, 30, 12, 1, 3);
    model.data[5 * W + 25] = 1; // the second nucleus is not empty inside
    model.ids[5 * W + 25] = 3;
    expect(model.fillHoles()).toBe(true);
    expect(at2(model, 7, 7)).toEqual({ value: 1, id: 7 });
    expect(at2(model, 24, 8)).toEqual({ value: 1, id: 3 });
    expect(idsOf(model, 1)).toEqual(new Set([3, 7]));
    model.undo();
    expect(at2(model, 7, 7)).toEqual({ value: 0, id: 0 });
  });

  it('a hole that no nucleus borders becomes a new nucleus of its own', () => {
    const { model } = setup();
    ring(model, 2, 2, 12, 12, 2, 0); // cytoplasm around it
    ring(model, 20, 2, 30, 12, 1, 4);
    expect(model.fillHoles()).toBe(true);
    const inCytoplasm = at2(model, 7, 7);
    expect(inCytoplasm.value).toBe(1);
    expect(inCytoplasm.id).not.toBe(4);
    expect(at2(model, 25, 7)).toEqual({ value: 1, id: 4 });
    expect(idsOf(model, 1).size).toBe(2);
  });

  it('a hole between two nuclei joins the one with most of its rim', () => {
    const { model } = setup();
    ring(model, 2, 2, 20, 12, 1, 1);
    for (let y = 2; y <= 12; y++) model.ids[y * W + 20] = 2; // the right edge belongs to nucleus 2
    expect(model.fillHoles()).toBe(true);
    expect(at2(model, 10, 7)).toEqual({ value: 1, id: 1 });
  });

  it('a region class still fills its holes as before', () => {
    const { model } = setup();
    ring(model, 2, 2, 12, 12, 2, 0);
    model.labels.setActive(2);
    expect(model.fillHoles()).toBe(true);
    expect(at2(model, 7, 7)).toEqual({ value: 2, id: 0 });
  });
});

describe('the cut', () => {
  function touchingPair(model: MaskModel): void {
    // One brush blob over two touching nuclei: one instance until cut.
    model.apply('two nuclei', (d) => fillPolygon(d, W, H, rect(4, 6, 30, 20), 1));
    numberComponents(model.data, model.ids, W, H, (v) => v === 1);
  }

  it('splits an instance along the line; the line pixels go to the nearest part', () => {
    const { model, ctx, tools, toasts } = setup();
    touchingPair(model);
    expect(idsOf(model, 1).size).toBe(1);
    const cut = tools.cut;
    cut.down(at(17, 2), ctx);
    cut.move(at(17, 12), ctx);
    cut.up(at(17, 26), ctx);
    expect(toasts.at(-1)).toMatch(/Cut into 2 instances/);
    const ids = idsOf(model, 1);
    expect(ids.size).toBe(2);
    // Nothing was erased: every nucleus pixel keeps its class and has an id.
    expect(Array.from(model.data).filter((v) => v === 1).length).toBe(26 * 14);
    expect(Array.from(model.data).every((v, i) => v !== 1 || model.ids[i])).toBe(true);
    expect(at2(model, 5, 10).id).not.toBe(at2(model, 29, 10).id);
    model.undo();
    expect(idsOf(model, 1).size).toBe(1);
  });

  it('a line that does not cross the whole contact cuts nothing', () => {
    const { model } = setup();
    touchingPair(model);
    const line = new Uint8Array(W * H);
    drawLine(line, W, H, [[17, 2], [17, 12]]);
    expect(cutInstances(model.ids, W, H, line).made).toBe(0);
    expect(idsOf(model, 1).size).toBe(1);
  });
});

describe('label PNGs', () => {
  it('round-trips classes and instances through a 16-bit instance map with its class table', () => {
    const { model, ctx } = setup();
    model.labels.setActive(2);
    lasso(ctx, rect(0, 0, 38, 28));
    model.labels.setActive(1);
    lasso(ctx, rect(2, 2, 10, 10));
    lasso(ctx, rect(10, 2, 18, 10));
    const png = encodeLabelPng(model.data, model.ids, W, H, model.labels);
    const table = readClassTable(png)!;
    expect(Array.from(table.slice(1))).toEqual([1, 1, 2]); // two nuclei, then the cytoplasm's id
    expect(String.fromCharCode(...png.subarray(37, 41))).toBe('tEXt'); // right after IHDR, ahead of the pixels
    const back = decodeLabelPng(png);
    expect(Array.from(back.classes)).toEqual(Array.from(model.data));
    const other = new MaskModel(W, H, model.labels);
    other.replace(back.classes, 'load', false, back.ids);
    expect(Array.from(other.ids)).toEqual(Array.from(model.ids));
  });

  it('numbers the nuclei of a mask stored without ids by connected parts', () => {
    const { model } = setup();
    const classes = new Uint8Array(W * H);
    fillPolygon(classes, W, H, rect(2, 2, 8, 8), 255);
    fillPolygon(classes, W, H, rect(20, 2, 28, 8), 255);
    model.replace(classes, 'load', false);
    expect(idsOf(model, 1).size).toBe(2);
  });

  it('writes an 8-bit class map for a label set without instance classes', () => {
    const table = new LabelTable([{ ...CYTOPLASM, value: 1 }, { ...CYTOPLASM, value: 3, name: 'membrane' }]);
    const data = new Uint8Array(W * H).fill(3, 0, 10);
    const back = decodeLabelPng(encodeLabelPng(data, new Uint16Array(W * H), W, H, table));
    expect(back.ids).toBeNull();
    expect(Array.from(back.classes)).toEqual(Array.from(data));
  });
});
