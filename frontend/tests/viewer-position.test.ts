import { describe, expect, it } from 'vitest';
import { aheadUrls, fromHash, nearestZ, sortTimes, toHash } from '../src/modules/viewer/position';
import type { ViewerSection } from '../src/modules/viewer/types';

const sec = (id: number, z: number, fluor = false): ViewerSection => ({ id, z, imageUrl: `/s/${id}.png`, fluorescenceUrl: fluor ? `/f/${id}.png` : null });

const times = sortTimes([
  { t: 5, sections: [sec(52, 2), sec(50, 0), sec(51, 1)] },
  { t: 0, sections: [sec(3, 3, true), sec(0, 0), sec(1, 1, true), sec(2, 2), sec(4, 4)] },
  { t: 9, sections: [] },
]);

describe('viewer position', () => {
  it('orders time points by t and sections by z, dropping empty time points', () => {
    expect(times.map((tp) => tp.t)).toEqual([0, 5]);
    expect(times[1]!.sections.map((s) => s.z)).toEqual([0, 1, 2]);
  });

  it('keeps the closest z when the time point changes', () => {
    expect(nearestZ(times[1]!.sections, 4)).toBe(2);
    expect(nearestZ(times[0]!.sections, 1.4)).toBe(1);
  });

  it('reads the position from the hash and writes it back', () => {
    expect(fromHash('#t=5&z=1', times, [0, 0])).toEqual([1, 1]);
    expect(fromHash('#t=7&z=99', times, [0, 3])).toEqual([0, 3]);
    expect(fromHash('', times, [0, 0])).toEqual([0, 2]);
    expect(toHash(times[0]!, times[0]!.sections[3]!)).toBe('#t=0&z=3');
  });

  it('fetches ahead ±1, ±2 z (with fluorescence when shown) and the same z at neighbouring times', () => {
    const url = (s: ViewerSection) => s.imageUrl;
    expect(aheadUrls(times, 0, 2, url, null)).toEqual(['/s/3.png', '/s/1.png', '/s/4.png', '/s/0.png', '/s/52.png']);
    const fluor = (s: ViewerSection) => s.fluorescenceUrl ?? null;
    expect(aheadUrls(times, 0, 2, url, fluor)).toEqual(['/s/3.png', '/f/3.png', '/s/1.png', '/f/1.png', '/s/4.png', '/s/0.png', '/s/52.png']);
  });
});
