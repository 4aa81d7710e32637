/** Values the job page shows that derive from the state (pure). */

import { TERMINAL, type FoldState, type JobState } from './types';

/** Fraction of the fold that is done, or null when unknown. */
export function foldProgress(f: FoldState): number | null {
  if (f.status === 'succeeded') return 1;
  if (f.serverProgress !== null) return clamp01(f.serverProgress);
  if (f.epochs && f.completed !== null) return clamp01((f.completed + f.epochFraction) / f.epochs);
  if (f.batches && f.batch !== null) return clamp01(f.batch / f.batches);
  return null;
}

/** The epoch to show as "epoch N of M": the running one, counted from 1. */
export function displayEpoch(f: FoldState): number | null {
  if (f.completed === null || !f.epochs) return null;
  if (TERMINAL.has(f.status) || f.completed >= f.epochs) return Math.min(f.completed, f.epochs);
  return f.completed + 1;
}

/** Remaining seconds, counted down since the last report. */
export function etaNow(f: FoldState, now = Date.now()): number | null {
  if (f.etaS === null) return null;
  if (TERMINAL.has(f.status)) return null;
  const elapsed = f.etaAt !== null ? (now - f.etaAt) / 1000 : 0;
  return Math.max(0, f.etaS - elapsed);
}

export function jobProgress(s: JobState): number | null {
  if (s.status === 'succeeded') return 1;
  const parts = s.folds.map((f) => foldProgress(f));
  if (!parts.length || parts.every((p) => p === null)) return null;
  return parts.reduce<number>((a, p) => a + (p ?? 0), 0) / parts.length;
}

function clamp01(v: number): number {
  return Math.max(0, Math.min(1, v));
}
