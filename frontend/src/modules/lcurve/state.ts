/**
 * The live state of a learning-curve page, folded from the job socket's
 * snapshot and events by a pure reducer: events not newer than what is held
 * are dropped (as in ../job/state.ts); each finished point arrives in a
 * progress event and is kept once.
 */

export interface CurvePoint {
  start: string;
  n: number;
  seed: number;
  dice: number | null;
  map?: number | null;
}

export interface CurveState {
  status: string;
  seq: number;
  progress: number;
  total: number;
  message: string;
  error: string | null;
  points: CurvePoint[];
}

export const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

type Msg = Record<string, unknown>;

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/** Before the first snapshot: what the server rendered the page with. */
export function initialCurveState(status = 'queued', total = 0, points: CurvePoint[] = []): CurveState {
  return { status, seq: -1, progress: status === 'succeeded' ? 1 : total ? points.length / total : 0, total, message: '', error: null, points };
}

function fromSnapshot(job: Msg): CurveState {
  return {
    status: String(job.status ?? 'queued'),
    seq: num(job.seq, -1),
    progress: num(job.progress, 0),
    total: num(job.total_points, 0),
    message: String(job.message ?? ''),
    error: (job.error as string | null) ?? null,
    points: Array.isArray(job.points) ? (job.points as CurvePoint[]) : [],
  };
}

const samePoint = (a: CurvePoint, b: CurvePoint): boolean => a.start === b.start && a.n === b.n && a.seed === b.seed;

/** Applies a socket message (`{type: 'snapshot', job}` or an event) or an HTTP snapshot. */
export function reduceCurve(state: CurveState, msg: Msg): CurveState {
  if (msg.type === 'snapshot' && msg.job && typeof msg.job === 'object') return fromSnapshot(msg.job as Msg);
  if (msg.type === undefined && 'total_points' in msg) return fromSnapshot(msg);
  const seq = num(msg.seq, Number.NaN);
  if (Number.isFinite(seq) && seq <= state.seq) return state;
  const next = { ...state, seq: Number.isFinite(seq) ? seq : state.seq };
  if (msg.type === 'progress') {
    next.progress = num(msg.progress, state.progress);
    if (typeof msg.message === 'string') next.message = msg.message;
    const point = msg.point as CurvePoint | undefined;
    if (point && !state.points.some((p) => samePoint(p, point))) next.points = [...state.points, point];
    return next;
  }
  if (msg.type === 'job_status') {
    next.status = String(msg.status ?? state.status);
    next.error = (msg.error as string | null) ?? null;
    if (next.status === 'succeeded') next.progress = 1;
    return next;
  }
  return state;
}
