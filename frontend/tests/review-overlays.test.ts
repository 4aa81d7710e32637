import { describe, expect, it } from 'vitest';
import { OverlaySet } from '../src/editor/overlays';
import { maskToPngBase64 } from '../src/editor/png';
import { fillPolygon } from '../src/editor/raster';
import { ReviewLayers } from '../src/modules/review/layers';
import type { ReviewConfig } from '../src/modules/review/types';

const W = 24;
const H = 24;

function square(): Uint8Array {
  const m = new Uint8Array(W * H);
  fillPolygon(m, W, H, [[6, 6], [18, 6], [18, 18], [6, 18]], 1);
  return m;
}

/** A 2D context that records what each stroke() drew. */
function recorder() {
  const strokes: { style: string; width: number }[] = [];
  const ctx = {
    strokeStyle: '',
    lineWidth: 1,
    lineJoin: '',
    setTransform() {},
    setLineDash() {},
    beginPath() {},
    moveTo() {},
    lineTo() {},
    closePath() {},
    stroke() {
      strokes.push({ style: String(ctx.strokeStyle), width: ctx.lineWidth });
    },
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, strokes };
}

describe('review overlays', () => {
  it('draws the consensus under the annotators, every halo before every line', () => {
    const b64 = maskToPngBase64(square(), W, H);
    const cfg: ReviewConfig = {
      module: 'review',
      section: { id: 1, width: W, height: H, imageUrl: '/x.png' },
      annotations: [
        { annotator: 'alice', mask_png: b64, colour: '#e6194b' },
        { annotator: 'bob', mask_png: b64, colour: '#3cb44b', response: { reviewer: 'rita', comment: 'tighter', at: '' } },
      ],
      consensus: { id: 1, method: 'staple', mask_png: b64 },
    };
    const layers = new ReviewLayers(cfg, W, H, 'Consensus');
    const order = layers.overlays(false).map((o) => o.name);
    expect(order).toEqual(['consensus', 'ann:alice', 'ann:bob']);
    expect(layers.list.find((l) => l.name === 'ann:bob')!.label).toContain('response');

    const set = new OverlaySet(W, H);
    set.set(layers.overlays(false));
    const { ctx, strokes } = recorder();
    set.renderContours(ctx, { scale: 16, tx: 0, ty: 0 } as never, 1);
    const halo = (s: { style: string }) => s.style.startsWith('rgba(0,0,0');
    expect(strokes.slice(0, 3).every(halo)).toBe(true);
    expect(strokes.slice(3).some(halo)).toBe(false);
    // The annotators' lines come last, thinner than the consensus band they run along.
    const lines = strokes.slice(3);
    expect(lines).toHaveLength(3);
    expect(lines[0]!.width).toBeGreaterThan(lines[1]!.width);
    expect(lines[2]!.style).not.toBe(lines[0]!.style);
  });
});
