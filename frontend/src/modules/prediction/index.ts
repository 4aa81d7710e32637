/**
 * Prediction page: live progress over the job socket (state.ts folds it),
 * a cancel button, and, once the job has succeeded, the charts of every
 * tracked nucleus over time and the two-group comparison. Tables, images and
 * downloads are server-rendered; when a running job succeeds the page reloads
 * to show them.
 */

import { LineChart } from '../job/chart';
import { ResultsCard, type ResultsCardConfig } from '../job/resultsCard';
import type { Conn } from '../job/socket';
import { comparisonLines, hasPoints, initialPredictionState, nucleusLines, reducePrediction, timeAxis, unmeasuredSpecimens, type Comparison, type NucleusSeries, type PredictionState } from './state';

export interface PredictionConfig extends ResultsCardConfig {
  module: 'prediction';
  /** Sections of the job (the progress a finished page shows). */
  sections?: number;
  series?: NucleusSeries[];
  comparison?: Record<string, Comparison> | null;
}

// A stack's nuclei have volumes, a single section's (bright-field, phase) areas; a chart with no
// point in it (no RI outside refractive-index images) is left out.
const SERIES_CHARTS = [
  { key: 'volume_um3', title: 'Nucleus volume (µm³)' },
  { key: 'area_um2', title: 'Nucleus area (µm²)' },
  { key: 'surface_area_um2', title: 'Surface area (µm²)' },
  { key: 'mean_ri', title: 'Mean RI', yDigits: 4 },
  { key: 'dry_mass_pg', title: 'Dry mass (pg)' },
] as const;

/** The comparison charts' titles: each says what its mean and SD are taken over. */
export const COMPARISON_TITLES: Record<string, string> = {
  volume_um3: 'Nucleus volume (µm³), mean ± SD over the group’s nuclei',
  area_um2: 'Nucleus area (µm²), mean ± SD over the group’s nuclei',
  dry_mass_pg: 'Dry mass (pg), mean ± SD over the group’s nuclei',
};

/** A comparison chart's title: its quantity, what the mean is over, and whether nuclei cut by
 * the field's edge are in it. */
export function comparisonTitle(key: string, comparison: Comparison): string {
  const base = COMPARISON_TITLES[key] ?? key;
  if (comparison.edge_nuclei_included === undefined) return base;
  return `${base} ${comparison.edge_nuclei_included ? '(edge nuclei included)' : 'away from the field’s edge'}`;
}

export class PredictionPage {
  private readonly live: ResultsCard<PredictionState>;

  constructor(
    root: HTMLElement,
    private readonly cfg: PredictionConfig,
  ) {
    root.classList.add('cw-prediction');
    this.live = new ResultsCard(root, cfg, {
      what: 'prediction',
      progressLabel: 'Prediction progress',
      initial: initialPredictionState(cfg.status, cfg.sections ?? 0),
      reduce: reducePrediction,
      fraction: (s) => (s.total ? s.done / s.total : s.status === 'succeeded' ? 1 : 0),
      caption: (s) => {
        const volumes = s.volumes.length ? ` · ${s.volumes.length} volume(s) done, ${s.volumes.reduce((n, v) => n + v.n_nuclei, 0)} nuclei` : '';
        return `${s.done} of ${s.total || '?'} sections${volumes}${s.message ? ` · ${s.message}` : ''}`;
      },
      // The tables, images and charts are rendered by the server from the stored results.
      hasResults: (status) => status === 'succeeded',
    });
    this.drawCharts();
  }

  get state(): PredictionState {
    return this.live.state;
  }

  get conn(): Conn {
    return this.live.conn;
  }

  private drawCharts(): void {
    const host = document.querySelector<HTMLElement>('[data-role="series-charts"]');
    const series = this.cfg.series ?? [];
    if (host && series.length) {
      // Minutes where every specimen's frame interval is known, else the time point index.
      const axis = timeAxis(series.flatMap((s) => s.points));
      for (const { key, title, ...rest } of SERIES_CHARTS) {
        const lines = nucleusLines(series, key, axis);
        if (!hasPoints(lines)) continue;
        const chart = new LineChart({ title, xLabel: axis.label, ...rest });
        chart.el.dataset.chart = key;
        host.appendChild(chart.el);
        chart.update(lines);
        const left = unmeasuredSpecimens(series, key);
        if (left.length) chart.el.append(unmeasuredNote(left));
      }
    }
    const compareHost = document.querySelector<HTMLElement>('[data-role="comparison-charts"]');
    for (const [key, comparison] of Object.entries(this.cfg.comparison ?? {})) {
      if (!compareHost) break;
      const axis = timeAxis(Object.values(comparison.groups).flat());
      const lines = comparisonLines(comparison, axis);
      if (!hasPoints(lines)) continue;
      const chart = new LineChart({ title: comparisonTitle(key, comparison), xLabel: axis.label });
      chart.el.dataset.chart = `compare-${key}`;
      compareHost.appendChild(chart.el);
      chart.update(lines);
    }
  }
}

/** Why a chart has no line of some specimens: none of their nuclei has the quantity. */
export function unmeasuredNote(specimens: string[]): HTMLElement {
  const note = document.createElement('p');
  note.className = 'cw-muted';
  note.dataset.role = 'unmeasured';
  note.textContent =
    `Not drawn: ${specimens.join(', ')}, not measured in this unit (its voxel size is ` +
    'unknown, set it on the specimen page; or its images have no such measure).';
  return note;
}

export function mountPrediction(root: HTMLElement, config: PredictionConfig): PredictionPage {
  return new PredictionPage(root, config);
}
