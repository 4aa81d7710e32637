import { describe, expect, it } from 'vitest';
import { maskToPngBase64 } from '../src/editor/png';
import { fillPolygon } from '../src/editor/raster';
import { offeredDecisions } from '../src/modules/review/decision';
import { ReviewLayers } from '../src/modules/review/layers';
import type { ReviewConfig } from '../src/modules/review/types';

const W = 24;
const H = 24;

function square(): string {
  const m = new Uint8Array(W * H);
  fillPolygon(m, W, H, [[6, 6], [18, 6], [18, 18], [6, 18]], 1);
  return maskToPngBase64(m, W, H);
}

function config(importedTruth: ReviewConfig['importedTruth']): ReviewConfig {
  return { module: 'review', section: { id: 1, width: W, height: H, imageUrl: '/x.png' }, importedTruth };
}

describe('imported ground truth on the review page', () => {
  it('is a visible layer named with its version and nuclei, key I, under the annotators', () => {
    const layers = new ReviewLayers(config({ label: 'Imported mask', version: 2, nuclei: 236, mask_png: square() }), W, H, 'Consensus');
    const layer = layers.list.find((l) => l.name === 'imported')!;
    expect(layer.label).toBe('Imported mask v2 · 236 nuclei');
    expect(layer.key).toBe('I');
    expect(layer.visible).toBe(true);
    expect(layers.toggle('imported')).toBe(true);
    expect(layers.overlays(false).find((o) => o.name === 'imported')!.visible).toBe(false);
  });

  it('names a class-map import without a nucleus count, and is absent without one', () => {
    const named = new ReviewLayers(config({ version: 1, nuclei: null, mask_png: square() }), W, H, 'Consensus');
    expect(named.list.find((l) => l.name === 'imported')!.label).toBe('Imported mask v1');
    expect(new ReviewLayers(config(null), W, H, 'Consensus').list).toHaveLength(0);
  });
});

describe('the Decision card of a section scored against an imported mask', () => {
  const note = "This section's ground truth is the imported mask (version 1). There is no consensus to confirm: no annotation of this section is submitted.";

  it('shows no Confirm and no Edit, and Send back only with someone to send it to', () => {
    const cfg = { ...config({ version: 1, mask_png: square() }), decisionNote: note, actions: { exclude: '/x', include: '/i' } };
    expect(offeredDecisions(cfg)).toEqual({ confirm: false, edit: false, sendBack: false });
    expect(offeredDecisions({ ...cfg, actions: { ...cfg.actions, sendBack: '/s' } }).sendBack).toBe(true);
  });

  it('shows every decision otherwise, even disabled ones without the right to decide', () => {
    expect(offeredDecisions({ ...config(null), actions: {} })).toEqual({ confirm: true, edit: true, sendBack: true });
  });
});
