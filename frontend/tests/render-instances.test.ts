import { describe, expect, it } from 'vitest';
import { LabelTable, NUCLEUS } from '../src/editor/labels';
import { INSTANCE_TINTS, instanceShade, parseColour, renderMaskRgba } from '../src/editor/render';

describe('instance shades', () => {
  // One column of 30 nuclei, three rows each, as 30 overlapping brush strokes leave them.
  const H = 90;
  const mask = new Uint8Array(H).fill(1);
  const ids = Uint16Array.from({ length: H }, (_, y) => Math.floor(y / 3) + 1);
  const table = new LabelTable([{ ...NUCLEUS, kind: 'instances' }]);
  const out = new Uint8ClampedArray(H * 4);
  renderMaskRgba(mask, 1, H, { x: 0, y: 0, w: 1, h: H }, out, table.palette, 'fill', 80, ids);
  const rgb = (y: number) => Array.from(out.subarray(y * 4, y * 4 + 3));

  it('draws every instance in its tint of the class colour, never black (instances 7 to 20 of every 21 were drawn black)', () => {
    const cyan = parseColour(NUCLEUS.colour);
    for (let y = 0; y < H; y++) {
      const { r, g, b } = instanceShade(cyan, ids[y]!);
      expect(rgb(y), `instance ${ids[y]} at row ${y}`).toEqual([r, g, b]);
      expect(r + g + b).toBeGreaterThan(200);
    }
  });

  it('takes the tints in turn, one per instance', () => {
    const tints = INSTANCE_TINTS.length / 3;
    expect(tints).toBe(7);
    // Instance k and instance k + 7 share a tint; neighbours k and k + 1 do not.
    for (let id = 1; id + tints <= 30; id++) {
      expect(rgb((id - 1) * 3 + 1)).toEqual(rgb((id + tints - 1) * 3 + 1));
      expect(rgb((id - 1) * 3 + 1)).not.toEqual(rgb(id * 3 + 1));
    }
  });
});
