import { describe, expect, it } from 'vitest';
import { loopArea, traceContours } from '../src/editor/contour';
import { fillPolygon } from '../src/editor/raster';

describe('traceContours', () => {
  it('traces a rectangle as one clockwise loop with 4 corners', () => {
    const W = 20;
    const H = 20;
    const m = new Uint8Array(W * H);
    fillPolygon(m, W, H, [[2, 3], [12, 3], [12, 9], [2, 9]], 1);
    const loops = traceContours(m, W, H);
    expect(loops).toHaveLength(1);
    expect(loops[0]!.length / 2).toBe(4);
    expect(loopArea(loops[0]!)).toBe(60);
  });

  it('gives holes their own loop with opposite orientation', () => {
    const W = 30;
    const H = 30;
    const m = new Uint8Array(W * H);
    fillPolygon(m, W, H, [[2, 2], [28, 2], [28, 28], [2, 28]], 1);
    fillPolygon(m, W, H, [[10, 10], [20, 10], [20, 20], [10, 20]], 0);
    const loops = traceContours(m, W, H);
    expect(loops).toHaveLength(2);
    const areas = loops.map(loopArea).sort((a, b) => a - b);
    expect(areas).toEqual([-100, 26 * 26]);
  });

  it('joins diagonal neighbours into one loop and covers image borders', () => {
    const W = 4;
    const H = 4;
    const m = new Uint8Array(W * H);
    m[0] = 1;
    m[1 * W + 1] = 1;
    expect(traceContours(m, W, H)).toHaveLength(1);
    const full = new Uint8Array(W * H).fill(1);
    const loops = traceContours(full, W, H);
    expect(loops).toHaveLength(1);
    expect(loopArea(loops[0]!)).toBe(16);
  });

  it('returns nothing for an empty mask', () => {
    expect(traceContours(new Uint8Array(100), 10, 10)).toEqual([]);
  });
});
