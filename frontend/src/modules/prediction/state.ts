/**
 * The live state of a prediction page, folded from the job socket's snapshot
 * and events by the results reducer (../job/results.ts), and the chart
 * series built from the nuclei the server tracked over time.
 */

import type { Series } from '../job/chart';
import { resultsReducer, type ResultsState } from '../job/results';

export interface PredictionState extends ResultsState {
  done: number;
  total: number;
  /** Volumes finished so far (the `volume_done` rows of progress events). */
  volumes: VolumeRow[];
}

export interface VolumeRow {
  volume: number;
  specimen: string;
  time_index: number;
  n_nuclei: number;
  /** A stack's total nucleus volume (µm³); null for a single section or without a voxel size. */
  total_volume_um3: number | null;
  /** A single section's total nucleus area (µm²); null for a stack or without a voxel size. */
  total_area_um2?: number | null;
}

export interface SeriesPoint {
  t: number;
  /** Minutes since time point 0 (the index times the specimen's frame interval); null when
   * the interval is unknown. */
  time_min?: number | null;
  volume_um3?: number | null;
  area_um2?: number | null;
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
  /** Minutes, when every compared specimen has the same frame interval; else null. */
  time_min?: number | null;
  mean: number;
  /** Sample SD; null for a single nucleus, which has none. */
  sd: number | null;
  n: number;
}

export interface Comparison {
  quantity: string;
  groups: Record<string, GroupPoint[]>;
  /** Whether nuclei touching the field's edge are in the means (absent: stored before the flag). */
  edge_nuclei_included?: boolean;
}

/** Before the first snapshot; a page opened on a succeeded job shows every section done. */
export function initialPredictionState(status = 'queued', sections = 0): PredictionState {
  const done = status === 'succeeded' ? sections : 0;
  return { status, seq: -1, done, total: sections, message: '', error: null, volumes: [] };
}

/** Applies a socket message (`{type: 'snapshot', job}` or an event) or an HTTP snapshot. */
export const reducePrediction = resultsReducer<PredictionState, VolumeRow>({
  snapshotKey: 'batches',
  counters: { done: 'batch', total: 'batches' },
  pieces: { list: 'volumes', snapshot: 'summary', event: 'volume_done', same: (a, b) => a.volume === b.volume },
  status(next, msg) {
    if (Array.isArray(msg.summary) && msg.summary.length) next.volumes = msg.summary as VolumeRow[];
    if (next.status === 'succeeded') next.done = next.total;
  },
});

/** The charts' time axis: minutes when every point has them, else the time point's index. */
export interface TimeAxis {
  label: string;
  x: (p: { t: number; time_min?: number | null }) => number;
}

export const INDEX_AXIS: TimeAxis = { label: 'time point', x: (p) => p.t };
const MINUTES_AXIS: TimeAxis = { label: 'time (min)', x: (p) => p.time_min as number };

/** Minutes where every point has them (every specimen's frame interval is known), else the
 * time point index, as the server left `time_min` null. */
export function timeAxis(points: { t: number; time_min?: number | null }[]): TimeAxis {
  return points.length && points.every((p) => typeof p.time_min === 'number') ? MINUTES_AXIS : INDEX_AXIS;
}

type Quantity = keyof Omit<SeriesPoint, 't' | 'time_min'>;

/** One line per tracked nucleus over time (in its track colour) for one quantity; a nucleus
 * without it at any time point (a stack without a voxel size has no µm³) draws no line and
 * takes no place in the legend. */
export function nucleusLines(series: NucleusSeries[], key: Quantity, axis: TimeAxis = INDEX_AXIS): Series[] {
  return series
    .map((s) => ({
      name: `${s.specimen} #${s.nucleus}${s.parent ? ` (from #${s.parent})` : ''}`,
      colour: s.colour ?? '#4363d8',
      points: s.points.filter((p) => typeof p[key] === 'number').map((p) => [axis.x(p), p[key] as number] as const),
    }))
    .filter((line) => line.points.length > 0);
}

/** The specimens none of whose nuclei has ``key`` (no voxel size, a single section, not RI):
 * the chart names them rather than leaving a reader to look for their lines. */
export function unmeasuredSpecimens(series: NucleusSeries[], key: Quantity): string[] {
  const measured = new Set(series.filter((s) => s.points.some((p) => typeof p[key] === 'number')).map((s) => s.specimen));
  return [...new Set(series.map((s) => s.specimen))].filter((name) => !measured.has(name));
}

/** Whether any line has a point: a chart without one (areas of a stack, RI of a phase field)
 * is left out. */
export function hasPoints(lines: Series[]): boolean {
  return lines.some((line) => line.points.length > 0);
}

const GROUP_COLOURS = ['#e6194b', '#4363d8'];

/** Mean per group, with thin lines at mean ± SD where the SD exists (two nuclei or more). */
export function comparisonLines(comparison: Comparison, axis: TimeAxis = INDEX_AXIS): Series[] {
  return Object.entries(comparison.groups).flatMap(([tag, points], i) => {
    const colour = GROUP_COLOURS[i % GROUP_COLOURS.length]!;
    const spread = points.filter((p): p is GroupPoint & { sd: number } => typeof p.sd === 'number');
    return [
      { name: `${tag} (mean)`, colour, points: points.map((p) => [axis.x(p), p.mean] as const) },
      { name: `${tag} − SD`, colour, style: 'thin' as const, points: spread.map((p) => [axis.x(p), p.mean - p.sd] as const) },
      { name: `${tag} + SD`, colour, style: 'thin' as const, points: spread.map((p) => [axis.x(p), p.mean + p.sd] as const) },
    ];
  });
}
