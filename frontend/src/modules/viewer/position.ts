/**
 * Where the viewer is in a specimen: time points sorted by t with their
 * sections sorted by z, moving between them, the position in the URL hash
 * (`#t=0&z=5`), and which neighbouring images to fetch ahead. Pure functions.
 */

import type { ViewerConfig, ViewerSection } from './types';

export interface TimePoint {
  t: number;
  sections: ViewerSection[];
}

/** Time points in t order, each with its sections in z order; empty ones dropped. */
export function sortTimes(timePoints: ViewerConfig['timePoints']): TimePoint[] {
  return (timePoints ?? [])
    .map((tp) => ({ t: tp.t, sections: [...(tp.sections ?? [])].sort((a, b) => a.z - b.z) }))
    .filter((tp) => tp.sections.length > 0)
    .sort((a, b) => a.t - b.t);
}

/** Index of the section whose z is closest to `z` (the first of equals). */
export function nearestZ(sections: readonly ViewerSection[], z: number): number {
  let best = 0;
  sections.forEach((s, i) => {
    if (Math.abs(s.z - z) < Math.abs(sections[best]!.z - z)) best = i;
  });
  return best;
}

/**
 * The [time index, z index] a hash such as `#t=1&z=4` names. Parts that are
 * missing or name nothing keep `current`; with neither, the middle z.
 */
export function fromHash(hash: string, times: readonly TimePoint[], current: [number, number]): [number, number] {
  const m = /t=(-?\d+(?:\.\d+)?)/.exec(hash);
  const mz = /z=(-?\d+(?:\.\d+)?)/.exec(hash);
  let [ti, zi] = current;
  if (m) {
    const i = times.findIndex((tp) => tp.t === Number(m[1]));
    if (i >= 0) ti = i;
  }
  if (mz) {
    const i = times[ti]?.sections.findIndex((s) => s.z === Number(mz[1])) ?? -1;
    if (i >= 0) zi = i;
  } else if (!m) {
    zi = Math.floor(((times[ti]?.sections.length ?? 1) - 1) / 2);
  }
  return [ti, zi];
}

export function toHash(tp: TimePoint, s: ViewerSection): string {
  return `#t=${tp.t}&z=${s.z}`;
}

/**
 * Images worth fetching ahead: ±1 and ±2 z (with their fluorescence when it
 * is shown), and the same z at the neighbouring time points.
 */
export function aheadUrls(times: readonly TimePoint[], ti: number, zi: number, url: (s: ViewerSection) => string, fluorUrl: ((s: ViewerSection) => string | null) | null): string[] {
  const tp = times[ti];
  if (!tp) return [];
  const wanted: string[] = [];
  for (const d of [1, -1, 2, -2]) {
    const s = tp.sections[zi + d];
    if (!s) continue;
    wanted.push(url(s));
    const f = fluorUrl?.(s);
    if (f) wanted.push(f);
  }
  for (const d of [1, -1]) {
    const other = times[ti + d];
    const s = other?.sections[Math.min(zi, other.sections.length - 1)];
    if (s) wanted.push(url(s));
  }
  return wanted;
}
