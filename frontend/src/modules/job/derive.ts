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

/**
 * What the connection indicator shows. Once the job has ended nothing more can arrive, so the
 * page reads "Finished" with the dot off, whatever the socket is still doing.
 */
export function connIndicator(conn: string, status: string): { conn: string; text: string } {
  if (TERMINAL.has(status)) return { conn: 'closed', text: 'Finished' };
  return { conn, text: CONN_TEXT[conn] ?? '' };
}

const CONN_TEXT: Record<string, string> = {
  live: 'Live',
  connecting: 'Connecting…',
  closed: 'Finished',
  unavailable: 'Updating every few seconds',
  reconnecting: 'Connection lost — reconnecting',
};

/**
 * Whether a fold scores held-out sections each epoch. The final model trains on all the data
 * and has none, so its validation chart would wait forever.
 */
export function hasValidation(f: FoldState): boolean {
  if (f.kind === 'final') return false;
  if (f.history.some((p) => typeof p.val_loss === 'number' || typeof p.val_dice === 'number')) return true;
  // A fold whose split is known and holds no validation specimen has no validation set either.
  return !(f.specimensTrain.length > 0 && f.specimensVal.length === 0);
}

/**
 * The "evaluate this model" link of a finished training job, or null while it runs (or when it
 * failed). ``evaluateUrl`` comes from the server, which knows the job's model versions.
 */
export function evaluateLink(s: JobState, evaluateUrl: string | null | undefined): string | null {
  return s.status === 'succeeded' && evaluateUrl ? evaluateUrl : null;
}
