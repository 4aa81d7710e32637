import { describe, expect, it } from 'vitest';
import { brushCentre, countOn, diffRect, fillHoles, fillPolygon, stampDisk, stampSegment, type Pt } from '../src/editor/raster';

const W = 448;
const H = 448;

function circle(cx: number, cy: number, r: number, n = 720): Pt[] {
  return Array.from({ length: n }, (_, i) => {
    const a = (i / n) * Math.PI * 2;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)] as Pt;
  });
}

describe('fillPolygon', () => {
  it('fills an axis-aligned rectangle with exactly its area', () => {
    const m = new Uint8Array(W * H);
    const r = fillPolygon(m, W, H, [[10, 20], [110, 20], [110, 70], [10, 70]], 1);
    expect(countOn(m)).toBe(100 * 50);
    expect(r).toEqual({ x: 10, y: 20, w: 100, h: 50 });
    expect(m[20 * W + 10]).toBe(1);
    expect(m[19 * W + 10]).toBe(0);
    expect(m[20 * W + 110]).toBe(0);
  });

  it('matches the analytic area of a disk and a triangle', () => {
    for (const r of [10, 50, 150]) {
      const m = new Uint8Array(W * H);
      fillPolygon(m, W, H, circle(224, 224, r), 1);
      const analytic = Math.PI * r * r;
      expect(Math.abs(countOn(m) - analytic) / analytic).toBeLessThan(r >= 50 ? 0.005 : 0.03);
    }
    const m = new Uint8Array(W * H);
    fillPolygon(m, W, H, [[50, 50], [350, 60], [120, 400]], 1);
    // Shoelace area of the triangle.
    const area = Math.abs((350 - 50) * (400 - 50) - (120 - 50) * (60 - 50)) / 2;
    expect(Math.abs(countOn(m) - area) / area).toBeLessThan(0.005);
  });

  it('uses union semantics: a second polygon only adds pixels', () => {
    const m = new Uint8Array(W * H);
    fillPolygon(m, W, H, [[0, 0], [100, 0], [100, 100], [0, 100]], 1);
    fillPolygon(m, W, H, [[50, 50], [150, 50], [150, 150], [50, 150]], 1);
    expect(countOn(m)).toBe(100 * 100 * 2 - 50 * 50);
  });

  it('fills a self-intersecting lasso completely (nonzero rule)', () => {
    const m = new Uint8Array(W * H);
    // A square traced twice: even-odd would leave it empty.
    const sq: Pt[] = [[10, 10], [60, 10], [60, 60], [10, 60]];
    fillPolygon(m, W, H, [...sq, ...sq], 1);
    expect(countOn(m)).toBe(2500);
    const e = new Uint8Array(W * H);
    fillPolygon(e, W, H, [...sq, ...sq], 1, 'evenodd');
    expect(countOn(e)).toBe(0);
  });

  it('subtracts with value 0 and clips to the image', () => {
    const m = new Uint8Array(W * H).fill(1);
    fillPolygon(m, W, H, [[-50, -50], [50, -50], [50, 50], [-50, 50]], 0);
    expect(countOn(m)).toBe(W * H - 50 * 50);
  });

  it('ignores degenerate input', () => {
    const m = new Uint8Array(W * H);
    expect(fillPolygon(m, W, H, [[1, 1], [5, 5]], 1)).toBeNull();
    expect(fillPolygon(m, W, H, [[1, 1], [5, 1], [9, 1]], 1)).toBeNull();
    expect(countOn(m)).toBe(0);
  });
});

describe('brush', () => {
  it('paints exactly one pixel with a 1 px brush', () => {
    const m = new Uint8Array(W * H);
    stampDisk(m, W, H, brushCentre(10.2, 1), brushCentre(20.9, 1), 1, 1);
    expect(countOn(m)).toBe(1);
    expect(m[20 * W + 10]).toBe(1);
  });

  it('stamps a disk close to its area and symmetric', () => {
    for (const d of [5, 10, 21, 40]) {
      const m = new Uint8Array(W * H);
      stampDisk(m, W, H, brushCentre(100.3, d), brushCentre(100.3, d), d, 1);
      const area = (Math.PI * d * d) / 4;
      expect(Math.abs(countOn(m) - area) / area).toBeLessThan(d >= 10 ? 0.08 : 0.25);
      // Mirror symmetry around the centre.
      const c = brushCentre(100.3, d);
      let asymmetric = 0;
      for (let y = 40; y < 160; y++) {
        for (let x = 40; x < 160; x++) {
          const mx = Math.round(2 * c - x - 1);
          if (m[y * W + x] !== m[y * W + mx]) asymmetric++;
        }
      }
      expect(asymmetric).toBe(0);
    }
  });

  it('leaves no gaps between distant pointer events', () => {
    const m = new Uint8Array(W * H);
    // One segment from x=20 to x=420 with a 6 px brush: a 6-wide band.
    stampSegment(m, W, H, 20, 200, 420, 200, 6, 1);
    for (let x = 20; x < 420; x++) {
      let col = 0;
      for (let y = 190; y < 210; y++) col += m[y * W + x]!;
      expect(col).toBe(6);
    }
  });

  it('covers the same pixels as densely stamped disks', () => {
    const a = new Uint8Array(W * H);
    const b = new Uint8Array(W * H);
    const d = 9;
    const [x0, y0, x1, y1] = [50.5, 60.5, 180.5, 140.5];
    stampSegment(a, W, H, x0, y0, x1, y1, d, 1);
    for (let t = 0; t <= 1; t += 1 / 2000) stampDisk(b, W, H, x0 + t * (x1 - x0), y0 + t * (y1 - y0), d, 1);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
    expect(differ).toBeLessThanOrEqual(2);
    expect(countOn(a)).toBeGreaterThan(0);
  });

  it('erases with value 0 and returns the touched box', () => {
    const m = new Uint8Array(W * H).fill(1);
    const r = stampDisk(m, W, H, 200.5, 200.5, 11, 0)!;
    expect(W * H - countOn(m)).toBeGreaterThan(80);
    expect(r.x).toBeLessThanOrEqual(195);
    expect(r.x + r.w).toBeGreaterThanOrEqual(206);
    expect(diffRect(new Uint8Array(W * H).fill(1), m, W, H)).toEqual(r);
  });
});

describe('fillHoles', () => {
  it('fills the inside of a ring and nothing outside', () => {
    const m = new Uint8Array(W * H);
    fillPolygon(m, W, H, circle(200, 200, 80), 1);
    fillPolygon(m, W, H, circle(200, 200, 60), 0);
    const ring = countOn(m);
    const r = fillHoles(m, W, H);
    const full = new Uint8Array(W * H);
    fillPolygon(full, W, H, circle(200, 200, 80), 1);
    expect(countOn(m)).toBe(countOn(full));
    expect(countOn(m)).toBeGreaterThan(ring);
    expect(r).not.toBeNull();
    expect(r!.x).toBeGreaterThanOrEqual(140);
  });

  it('does not fill background that touches the border', () => {
    const m = new Uint8Array(W * H);
    // A "C" shape open to the right edge of the image.
    fillPolygon(m, W, H, [[300, 100], [448, 100], [448, 120], [320, 120], [320, 300], [448, 300], [448, 320], [300, 320]], 1);
    const before = countOn(m);
    expect(fillHoles(m, W, H)).toBeNull();
    expect(countOn(m)).toBe(before);
  });

  it('treats a diagonal pixel chain as closed (8-connected foreground)', () => {
    const w = 5;
    const h = 5;
    // Diamond of single pixels around the centre pixel.
    const m = new Uint8Array(w * h);
    for (const [x, y] of [[2, 1], [1, 2], [3, 2], [2, 3]]) m[y! * w + x!] = 1;
    fillHoles(m, w, h);
    expect(m[2 * w + 2]).toBe(1);
  });
});
