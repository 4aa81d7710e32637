/**
 * Which adjacent section's own mask the ghost outline and "Copy my adjacent mask" use. The
 * queue hands sections out middle-out (z = middle, middle − 1, middle + 1, …; docs/handoffs.md),
 * so below the middle the section an annotator has just drawn is z + 1, not z − 1: the previous
 * section is preferred, the next one used when only it holds a mask.
 */

import type { Side } from '../../components/NeighbourPanel';

export const ADJACENT_ORDER: readonly Side[] = ['prev', 'next'];

/** The first side, in `order`, whose mask has a foreground pixel, or null when none has (a
 * side whose mask could not be loaded, `undefined`, counts as none). */
export async function firstSideWithMask(
  mask: (side: Side) => Promise<Uint8Array | null | undefined>,
  order: readonly Side[] = ADJACENT_ORDER,
): Promise<Side | null> {
  for (const side of order) {
    const m = await mask(side);
    if (m && m.includes(1)) return side;
  }
  return null;
}
