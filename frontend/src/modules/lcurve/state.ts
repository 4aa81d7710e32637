/**
 * The live state of a learning-curve page, folded from the job socket's
 * snapshot and events by the results reducer (../job/results.ts): each
 * finished point arrives in a progress event and is kept once.
 */

import { num, resultsReducer, type ResultsState } from '../job/results';

export interface CurvePoint {
  start: string;
  n: number;
  seed: number;
  dice: number | null;
  map?: number | null;
}

export interface CurveState extends ResultsState {
  progress: number;
  total: number;
  points: CurvePoint[];
}

/** Before the first snapshot: what the server rendered the page with. */
export function initialCurveState(status = 'queued', total = 0, points: CurvePoint[] = []): CurveState {
  return { status, seq: -1, progress: status === 'succeeded' ? 1 : total ? points.length / total : 0, total, message: '', error: null, points };
}

/** Applies a socket message (`{type: 'snapshot', job}` or an event) or an HTTP snapshot. */
export const reduceCurve = resultsReducer<CurveState, CurvePoint>({
  snapshotKey: 'total_points',
  counters: { progress: 'progress' },
  pieces: { list: 'points', snapshot: 'points', event: 'point', same: (a, b) => a.start === b.start && a.n === b.n && a.seed === b.seed },
  fromSnapshot: (job) => ({ total: num(job.total_points, 0) }),
  status(next) {
    if (next.status === 'succeeded') next.progress = 1;
  },
});
