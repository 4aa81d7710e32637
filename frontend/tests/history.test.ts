import { describe, expect, it } from 'vitest';
import { decodeRegion, encodeRegion, MaskHistory } from '../src/editor/history';
import { countOn, stampDisk } from '../src/editor/raster';

const W = 448;
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;
const H = 448;

describe('region RLE', () => {
  it('round-trips arbitrary content', () => {
    const m = new Uint8Array(W * H);
    for (let i = 0; i < m.length; i++) m[i] = (i * 2654435761) % 7 < 3 ? 1 : 0;
    const r = { x: 13, y: 7, w: 101, h: 55 };
    const enc = encodeRegion(m, W, r);
    const out = new Uint8Array(W * H);
    decodeRegion(enc, out, W, r);
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) expect(out[y * W + x]).toBe(m[y * W + x]);
    expect(countOn(out.subarray(0, r.y * W))).toBe(0);
  });

  it('handles regions starting with foreground', () => {
    const m = new Uint8Array(16).fill(1);
    const enc = encodeRegion(m, 4, { x: 0, y: 0, w: 4, h: 4 });
    expect(Array.from(enc)).toEqual([0, 16]);
    const out = new Uint8Array(16);
    decodeRegion(enc, out, 4, { x: 0, y: 0, w: 4, h: 4 });
    expect(countOn(out)).toBe(16);
  });
});

describe('MaskHistory', () => {
  it('undoes and redoes at least 100 steps exactly', () => {
    const hist = new MaskHistory(W, H);
    const mask = new Uint8Array(W * H);
    const states: Uint8Array[] = [mask.slice()];
    for (let i = 0; i < 150; i++) {
      const before = mask.slice();
      stampDisk(mask, W, H, 20 + ((i * 37) % 400) + 0.5, 20 + ((i * 91) % 400) + 0.5, 5 + (i % 30), i % 5 === 4 ? 0 : 1);
      if (hist.record(before, mask, `step ${i}`)) states.push(mask.slice());
    }
    const steps = hist.undoDepth;
    expect(steps).toBeGreaterThanOrEqual(100);
    for (let k = 1; k <= steps; k++) {
      expect(hist.undo(mask)).not.toBeNull();
      expect(same(mask, states[states.length - 1 - k]!)).toBe(true);
    }
    expect(hist.undo(mask)).toBeNull();
    for (let k = 1; k <= steps; k++) hist.redo(mask);
    expect(same(mask, states[states.length - 1]!)).toBe(true);
  });

  it('stores diffs compactly', () => {
    const hist = new MaskHistory(W, H);
    const mask = new Uint8Array(W * H);
    for (let i = 0; i < 200; i++) {
      const before = mask.slice();
      stampDisk(mask, W, H, 100 + i + 0.5, 200.5, 15, 1);
      hist.record(before, mask, 'dab');
    }
    // 200 full snapshots would be ~40 MB; bounding-box RLE diffs are tiny.
    expect(hist.sizeBytes).toBeLessThan(200 * 1024);
  });

  it('skips no-op steps, clears redo on a new step and respects the step limit', () => {
    const hist = new MaskHistory(8, 8, { maxSteps: 3 });
    const m = new Uint8Array(64);
    expect(hist.record(m.slice(), m, 'nothing')).toBeNull();
    for (let i = 0; i < 5; i++) {
      const b = m.slice();
      m[i] = 1;
      hist.record(b, m, `px ${i}`);
    }
    expect(hist.undoDepth).toBe(3);
    hist.undo(m);
    expect(hist.canRedo).toBe(true);
    const b = m.slice();
    m[63] = 1;
    hist.record(b, m, 'new');
    expect(hist.canRedo).toBe(false);
    expect(hist.nextUndoLabel).toBe('new');
  });
});
