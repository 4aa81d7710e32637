/**
 * The live state of a results page (prediction, learning curve), folded from
 * the job socket's snapshot and events by a pure reducer: events not newer
 * than what is held are dropped (as in ./state.ts). Every such state holds
 * the job's status, sequence, message and error; each page adds its own
 * progress fields and says how a snapshot, a progress event and a status
 * event change them.
 */

export interface ResultsState {
  status: string;
  seq: number;
  message: string;
  error: string | null;
  /** "Cancelled by … at … — reason" (or "Cancel requested by …"); absent or null when nobody asked. */
  cancelNote?: string | null;
}

/** Statuses after which a results job sends nothing more. */
export const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

export type Msg = Record<string, unknown>;

export const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/** Reads a list a message carries; anything else is an empty list. */
export const listOf = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** How one kind of results job fills its page's own fields. */
export interface ResultsFolding<S extends ResultsState, P> {
  /** A field only this job's HTTP snapshot carries (e.g. `total_points`). */
  snapshotKey: string;
  /** Progress counters of the state, each with the field that snapshots and progress events carry it in. */
  counters: { [K in keyof S]?: string };
  /** The pieces finished so far: the state's list, the snapshot field holding all of them, the
   * progress event field bringing one more, and when two are the same piece (kept once). */
  pieces: { list: keyof S; snapshot: string; event: string; same(a: P, b: P): boolean };
  /** Further fields of a snapshot. */
  fromSnapshot?(job: Msg): Partial<S>;
  /** A `job_status` event: `next` already holds the new status and error. */
  status?(next: S, msg: Msg): void;
}

/** The reducer of one kind of results job: applies a socket message (`{type: 'snapshot', job}` or an
 * event) or an HTTP snapshot. */
export function resultsReducer<S extends ResultsState, P>(folding: ResultsFolding<S, P>): (state: S, msg: Msg) => S {
  const counters = Object.entries(folding.counters) as [keyof S & string, string][];
  const { list, snapshot, event, same } = folding.pieces;
  const fromSnapshot = (job: Msg): S => {
    const state: Record<string, unknown> = {
      status: String(job.status ?? 'queued'),
      seq: num(job.seq, -1),
      message: String(job.message ?? ''),
      error: (job.error as string | null) ?? null,
      cancelNote: typeof job.cancel_note === 'string' ? job.cancel_note : null,
      [list]: listOf<P>(job[snapshot]),
    };
    for (const [field, key] of counters) state[field] = num(job[key], 0);
    return { ...state, ...folding.fromSnapshot?.(job) } as S;
  };
  return (state, msg) => {
    if (msg.type === 'snapshot' && msg.job && typeof msg.job === 'object') return fromSnapshot(msg.job as Msg);
    if (msg.type === undefined && folding.snapshotKey in msg) return fromSnapshot(msg);
    const seq = num(msg.seq, Number.NaN);
    if (Number.isFinite(seq) && seq <= state.seq) return state;
    const next: S = { ...state, seq: Number.isFinite(seq) ? seq : state.seq };
    if (msg.type === 'progress') {
      const fields = next as unknown as Record<string, unknown>;
      for (const [field, key] of counters) fields[field] = num(msg[key], state[field] as number);
      if (typeof msg.message === 'string') next.message = msg.message;
      const piece = msg[event] as P | undefined;
      const held = state[list] as P[];
      if (piece && !held.some((p) => same(p, piece))) fields[list as string] = [...held, piece];
      return next;
    }
    if (msg.type === 'job_status') {
      next.status = String(msg.status ?? state.status);
      next.error = (msg.error as string | null) ?? null;
      if ('cancel_note' in msg) next.cancelNote = typeof msg.cancel_note === 'string' ? msg.cancel_note : null;
      folding.status?.(next, msg);
      return next;
    }
    return state;
  };
}
