import { describe, expect, it } from 'vitest';
import { firstSideWithMask } from '../src/modules/annotator/adjacent';

const drawn = Uint8Array.from([0, 1, 1, 0]);
const empty = new Uint8Array(4);

describe('the adjacent section the ghost and the copy use', () => {
  it('is the previous section when it holds your mask', async () => {
    expect(await firstSideWithMask(async (s) => (s === 'prev' ? drawn : drawn))).toBe('prev');
  });

  it('is the next section when only it holds your mask (below the middle of a middle-out queue)', async () => {
    expect(await firstSideWithMask(async (s) => (s === 'prev' ? null : drawn))).toBe('next');
    expect(await firstSideWithMask(async (s) => (s === 'prev' ? empty : drawn))).toBe('next');
    expect(await firstSideWithMask(async (s) => (s === 'prev' ? undefined : drawn))).toBe('next');
  });

  it('is none when neither holds a drawn pixel', async () => {
    expect(await firstSideWithMask(async () => empty)).toBeNull();
    expect(await firstSideWithMask(async () => null)).toBeNull();
  });
});
