import { describe, expect, it } from 'vitest';
import { BOTTOM_INSET, fitView } from '../src/editor/view';
import { Viewport } from '../src/editor/viewport';

describe('the fitted view of a real-size section', () => {
  it('keeps a 1024 × 1281 phase field whole and above the read-outs along the bottom edge (1366 × 768 editor)', () => {
    const vp = new Viewport(1281, 1024, () => {});
    vp.resize(958, 513, 1);
    const { scale, tx, ty } = vp.view;
    expect(tx).toBeGreaterThanOrEqual(12);
    expect(tx + 1281 * scale).toBeLessThanOrEqual(958 - 12 + 1e-9);
    expect(ty).toBeGreaterThanOrEqual(12);
    expect(ty + 1024 * scale).toBeLessThanOrEqual(513 - BOTTOM_INSET + 1e-9);
  });

  it('centres a wide image vertically in the space above the read-outs', () => {
    const v = fitView(860, 200, 958, 513, 12, BOTTOM_INSET);
    expect(v.scale).toBeCloseTo((958 - 24) / 860);
    expect(v.ty - 12).toBeCloseTo(513 - BOTTOM_INSET - (v.ty + 200 * v.scale));
  });
});
