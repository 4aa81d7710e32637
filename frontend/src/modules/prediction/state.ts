/**
 * The live state of a prediction page, folded from the job socket's snapshot
 * and events by a pure reducer (events not newer than what is held are
 * dropped, as in ../job/state.ts), and the chart series built from the
 * nuclei the server tracked over time.
 */

import type { Series } from '../job/chart';

export interface PredictionState {
  status: string;
  seq: number;
  done: number;
  total: number;
  message: string;
  error: string | null;
  /** Volumes finished so far (the `volume_done` rows of progress events). */
  volumes: VolumeRow[];
}

export interface VolumeRow {
  volume: number;
  specimen: string;
  time_index: number;
  n_nuclei: number;
  total_volume_um3: number | null;
}

export interface SeriesPoint {
  t: number;
  volume_um3?: number | null;
  surface_area_um2?: number | null;
  mean_ri?: number | null;
  dry_mass_pg?: number | null;
}

export interface NucleusSeries {
  specimen: string;
  nucleus: number;
  parent?: number | null;
  colour?: string;
  points: SeriesPoint[];
}

export interface GroupPoint {
  t: number;
  mean: number;
  sd: number;
  n: number;
}

export interface Comparison {
  quantity: string;
  groups: Record<string, GroupPoint[]>;
}

export const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Before the first snapshot; a page opened on a succeeded job shows every section done. */
export function initialPredictionState(status = 'queued', sections = 0): PredictionState {
  const done = status === 'succeeded' ? sections : 0;
  return { status, seq: -1, done, total: sections, message: '', error: null, volumes: [] };
}

type Msg = Record<string, unknown>;

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

function fromSnapshot(job: Msg): PredictionState {
  const summary = Array.isArray(job.summary) ? (job.summary as VolumeRow[]) : [];
  return {
    status: String(job.status ?? 'queued'),
    seq: num(job.seq, -1),
    done: num(job.batch, 0),
    total: num(job.batches, 0),
    message: String(job.message ?? ''),
    error: (job.error as string | null) ?? null,
    volumes: summary,
  };
}

/** Applies a socket message (`{type: 'snapshot', job}` or an event) or an HTTP snapshot. */
export function reducePrediction(state: PredictionState, msg: Msg): PredictionState {
  if (msg.type === 'snapshot' && msg.job && typeof msg.job === 'object') return fromSnapshot(msg.job as Msg);
  if (msg.type === undefined && 'batches' in msg) return fromSnapshot(msg);
  const seq = num(msg.seq, Number.NaN);
  if (Number.isFinite(seq) && seq <= state.seq) return state;
  const next = { ...state, seq: Number.isFinite(seq) ? seq : state.seq };
  if (msg.type === 'progress') {
    next.done = num(msg.batch, state.done);
    next.total = num(msg.batches, state.total);
    if (typeof msg.message === 'string') next.message = msg.message;
    const row = msg.volume_done as VolumeRow | undefined;
    if (row && !state.volumes.some((v) => v.volume === row.volume)) next.volumes = [...state.volumes, row];
    return next;
  }
  if (msg.type === 'job_status') {
    next.status = String(msg.status ?? state.status);
    next.error = (msg.error as string | null) ?? null;
    if (Array.isArray(msg.summary) && msg.summary.length) next.volumes = msg.summary as VolumeRow[];
    if (next.status === 'succeeded') next.done = next.total;
    return next;
  }
  return state;
}

/** One line per tracked nucleus over time (in its track colour) for one quantity. */
export function nucleusLines(series: NucleusSeries[], key: keyof Omit<SeriesPoint, 't'>): Series[] {
  return series.map((s) => ({
    name: `${s.specimen} #${s.nucleus}${s.parent ? ` (from #${s.parent})` : ''}`,
    colour: s.colour ?? '#4363d8',
    points: s.points.filter((p) => typeof p[key] === 'number').map((p) => [p.t, p[key] as number] as const),
  }));
}

const GROUP_COLOURS = ['#e6194b', '#4363d8'];

/** Mean per group, with thin lines at mean ± SD. */
export function comparisonLines(comparison: Comparison): Series[] {
  return Object.entries(comparison.groups).flatMap(([tag, points], i) => {
    const colour = GROUP_COLOURS[i % GROUP_COLOURS.length]!;
    return [
      { name: `${tag} (mean)`, colour, points: points.map((p) => [p.t, p.mean] as const) },
      { name: `${tag} − SD`, colour, style: 'thin' as const, points: points.map((p) => [p.t, p.mean - p.sd] as const) },
      { name: `${tag} + SD`, colour, style: 'thin' as const, points: points.map((p) => [p.t, p.mean + p.sd] as const) },
    ];
  });
}
