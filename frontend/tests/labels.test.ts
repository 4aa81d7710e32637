import { createHash } from 'node:crypto';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodeRegion, encodeRegion, encodeRegionRuns, MaskHistory } from '../src/editor/history';
import { LabelTable, NUCLEUS } from '../src/editor/labels';
import { MaskModel } from '../src/editor/mask';
import { encodeMaskPng, maskToPngBase64, pngBase64ToMask } from '../src/editor/png';
import { fillPolygon } from '../src/editor/raster';
import { renderMaskRgba } from '../src/editor/render';

const CYTOPLASM = { value: 2, name: 'cytoplasm', colour: '#ff8000' };

/** The 64×48 mask whose PNG the codec wrote before labels existed (a quadrilateral with a square hole). */
function legacyMask(): Uint8Array {
  const m = new Uint8Array(64 * 48);
  fillPolygon(m, 64, 48, [[4, 3], [60, 8], [50, 44], [9, 30]], 1);
  fillPolygon(m, 64, 48, [[20, 15], [30, 15], [30, 25], [20, 25]], 0);
  return m;
}

describe('LabelTable', () => {
  it('holds only the nucleus, value 1, by default and paints it', () => {
    const t = new LabelTable();
    expect(t.labels).toEqual([NUCLEUS]);
    expect(t.active).toEqual({ value: 1, name: 'nucleus', colour: '#00e5ff' });
    expect(t.get(1)?.name).toBe('nucleus');
    expect(t.get(2)).toBeUndefined();
  });

  it('refuses background, out-of-range and repeated values', () => {
    expect(() => new LabelTable([])).toThrow(/at least one/);
    expect(() => new LabelTable([{ value: 0, name: 'x', colour: '#fff' }])).toThrow(/1 to 255/);
    expect(() => new LabelTable([{ value: 256, name: 'x', colour: '#fff' }])).toThrow(/1 to 255/);
    expect(() => new LabelTable([NUCLEUS, { ...CYTOPLASM, value: 1 }])).toThrow(/used twice/);
    expect(() => new LabelTable().setActive(7)).toThrow(/no label/);
  });

  it('loads 0/255 and 0/1 masks as nucleus and keeps known labels', () => {
    const t = new LabelTable([NUCLEUS, CYTOPLASM]);
    expect(Array.from(t.coerce(Uint8Array.from([0, 255, 1, 2, 7])))).toEqual([0, 1, 1, 2, 1]);
  });

  it('colours each label from the table, outlining where labels meet', () => {
    const t = new LabelTable([NUCLEUS, CYTOPLASM]);
    // One row of 6 pixels, 3 rows high: label 1 on the left, 2 on the right; row 1 is interior.
    const W = 6;
    const mask = Uint8Array.from([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]);
    const out = new Uint8ClampedArray(W * 3 * 4);
    renderMaskRgba(mask, W, 3, { x: 0, y: 0, w: W, h: 3 }, out, t.palette, 'fill');
    const px = (x: number, y: number) => Array.from(out.subarray((y * W + x) * 4, (y * W + x) * 4 + 4));
    expect(px(1, 1)).toEqual([0, 229, 255, 80]); // interior: translucent fill
    expect(px(2, 1)).toEqual([0, 229, 255, 235]); // touches label 2: outline
    expect(px(3, 1)).toEqual([255, 128, 0, 235]);
    t.setColour(2, '#102030');
    renderMaskRgba(mask, W, 3, { x: 0, y: 0, w: W, h: 3 }, out, t.palette, 'fill');
    expect(px(3, 1)).toEqual([16, 32, 48, 235]);
  });
});

describe('mask PNG codec with labels', () => {
  it('encodes a value-1 mask byte-identically to the binary codec it replaces', () => {
    const m = legacyMask();
    const png = encodeMaskPng(m, 64, 48);
    // SHA-256 of the PNG the pre-label codec wrote for this mask.
    expect(createHash('sha256').update(png).digest('hex')).toBe('c64d9bc4a12e6dadefff3f37e861a2cfb78480f3383f012d805cb332f79dc087');
    const gray = Uint8Array.from(m, (v) => (v ? 255 : 0));
    expect(Buffer.compare(png, encode({ width: 64, height: 48, data: gray, channels: 1, depth: 8 }))).toBe(0);
  });

  it('writes every label as 255 (the server stores binary masks) and reads them back as nucleus', () => {
    const m = legacyMask();
    const two = m.map((v, i) => (v && i % 2 ? 2 : v));
    expect(maskToPngBase64(two, 64, 48)).toBe(maskToPngBase64(m, 64, 48));
    expect(Array.from(pngBase64ToMask(maskToPngBase64(two, 64, 48)).mask)).toEqual(Array.from(m));
  });
});

describe('undo history with labels', () => {
  it('keeps the binary run format and round-trips touching labels', () => {
    const W = 8;
    const r = { x: 0, y: 0, w: 8, h: 2 };
    const binary = Uint8Array.from([0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(encodeRegionRuns(binary, W, r).labels).toBeNull();
    expect(Array.from(encodeRegion(binary, W, r))).toEqual([1, 2, 2, 5, 6]);
    const labelled = Uint8Array.from([0, 1, 2, 2, 0, 1, 1, 2, 2, 1, 0, 0, 3, 0, 0, 0]);
    const enc = encodeRegionRuns(labelled, W, r);
    expect(Array.from(enc.labels!)).toEqual([1, 2, 1, 2, 1, 3]);
    const out = new Uint8Array(16);
    decodeRegion(enc.runs, out, W, r, enc.labels);
    expect(Array.from(out)).toEqual(Array.from(labelled));
  });

  it('undoes a stroke of one label over another exactly', () => {
    const hist = new MaskHistory(8, 8);
    const m = new Uint8Array(64).fill(2, 0, 32);
    const before = m.slice();
    m.fill(1, 20, 44);
    hist.record(before, m, 'paint');
    const after = m.slice();
    hist.undo(m);
    expect(Array.from(m)).toEqual(Array.from(before));
    hist.redo(m);
    expect(Array.from(m)).toEqual(Array.from(after));
  });

  it('fills holes and clears with the active label as single undo steps', () => {
    const model = new MaskModel(64, 48, new LabelTable([NUCLEUS, CYTOPLASM]));
    const changes: string[] = [];
    model.onChange = (c) => changes.push(`${c.source}:${c.label}`);
    model.replace(legacyMask(), 'Load', false);
    model.labels.setActive(2);
    expect(model.fillHoles()).toBe(true);
    expect(model.data[20 * 64 + 25]).toBe(2);
    expect(model.data[10 * 64 + 30]).toBe(1);
    expect(model.clear()).toBe(true);
    expect(model.hasForeground()).toBe(false);
    model.undo();
    expect(model.data[20 * 64 + 25]).toBe(2);
    expect(changes).toEqual(['api:Load', 'user:Fill holes', 'user:Clear', 'history:Undo: Clear']);
  });
});
