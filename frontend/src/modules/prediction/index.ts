/**
 * Prediction page: live progress over the job socket (state.ts folds it),
 * a cancel button, and, once the job has succeeded, the charts of every
 * tracked nucleus over time and the two-group comparison. Tables, images and
 * downloads are server-rendered; when a running job succeeds the page reloads
 * to show them.
 */

import { ApiError, postJson } from '../../lib/api';
import { button, h, progressBar, setChildren } from '../../lib/dom';
import { icons } from '../../lib/icons';
import { LineChart } from '../job/chart';
import { followJob, reloadForResults, type Conn, type LiveSocket } from '../job/socket';
import { comparisonLines, FINAL, initialPredictionState, nucleusLines, reducePrediction, type Comparison, type NucleusSeries, type PredictionState } from './state';

export interface PredictionConfig {
  module: 'prediction';
  csrfToken?: string;
  wsUrl?: string | null;
  snapshotUrl?: string | null;
  cancelUrl?: string | null;
  status?: string;
  /** Sections of the job (the progress a finished page shows). */
  sections?: number;
  series?: NucleusSeries[];
  comparison?: Record<string, Comparison> | null;
}

const SERIES_CHARTS = [
  { key: 'volume_um3', title: 'Nucleus volume (µm³)' },
  { key: 'surface_area_um2', title: 'Surface area (µm²)' },
  { key: 'mean_ri', title: 'Mean RI', yDigits: 4 },
  { key: 'dry_mass_pg', title: 'Dry mass (pg)' },
] as const;

const COMPARISON_TITLES: Record<string, string> = { volume_um3: 'Nucleus volume (µm³), mean ± SD', dry_mass_pg: 'Dry mass (pg), mean ± SD' };

export class PredictionPage {
  state: PredictionState;
  conn: Conn = 'connecting';
  private readonly socket: LiveSocket | null = null;
  private readonly startedFinal: boolean;
  private readonly badge = h('span', { class: 'cw-badge', 'data-role': 'live-status' });
  private readonly bar = progressBar('Prediction progress');
  private readonly caption = h('div', { class: 'cw-muted cw-progress-caption', 'aria-live': 'polite' });
  private readonly cancelHost = h('div', { class: 'cw-cancel' });

  constructor(
    private readonly root: HTMLElement,
    private readonly cfg: PredictionConfig,
  ) {
    this.state = initialPredictionState(cfg.status, cfg.sections ?? 0);
    this.startedFinal = FINAL.has(this.state.status);
    root.classList.add('cw-prediction');
    setChildren(root, h('section', { class: 'cw-card', 'data-role': 'live' }, h('p', null, this.badge, ' ', this.cancelHost), this.bar.el, this.caption));
    this.drawCharts();
    if (this.startedFinal) {
      this.render();
      return;
    }
    this.socket = followJob(cfg, root, {
      what: 'prediction',
      apply: (msg) => this.apply(msg),
      showCaption: (text) => this.showCaption(text),
      isFinished: () => FINAL.has(this.state.status),
      hasSnapshot: () => this.state.seq >= 0,
      onConn: (conn) => {
        this.conn = conn;
      },
    });
    this.render();
  }

  private apply(msg: Record<string, unknown>): void {
    const before = this.state.status;
    this.state = reducePrediction(this.state, msg);
    this.render();
    if (this.state.status === 'succeeded' && before !== 'succeeded' && !this.startedFinal) {
      // The tables, images and charts are rendered by the server from the stored results.
      reloadForResults(this.socket);
    }
  }

  private showCaption(text: string): void {
    this.caption.textContent = text;
  }

  private render(): void {
    const s = this.state;
    this.root.dataset.status = s.status;
    this.badge.className = `cw-badge cw-badge-${s.status}`;
    this.badge.textContent = s.status;
    const fraction = s.total ? s.done / s.total : s.status === 'succeeded' ? 1 : 0;
    this.bar.set(fraction, `${Math.round(fraction * 100)} %`);
    const volumes = s.volumes.length ? ` · ${s.volumes.length} volume(s) done, ${s.volumes.reduce((n, v) => n + v.n_nuclei, 0)} nuclei` : '';
    this.showCaption(s.error ?? `${s.done} of ${s.total || '?'} sections${volumes}${s.message ? ` · ${s.message}` : ''}`);
    const cancellable = !!this.cfg.cancelUrl && !FINAL.has(s.status);
    setChildren(this.cancelHost, cancellable ? button('Cancel', { icon: icons.stop, small: true, onClick: () => void this.cancel() }) : null);
  }

  private async cancel(): Promise<void> {
    if (!this.cfg.cancelUrl) return;
    try {
      const job = await postJson<Record<string, unknown>>(this.cfg.cancelUrl);
      this.apply(job);
    } catch (err) {
      this.showCaption(err instanceof ApiError ? err.detail : String(err));
    }
  }

  private drawCharts(): void {
    const host = document.querySelector<HTMLElement>('[data-role="series-charts"]');
    const series = this.cfg.series ?? [];
    if (host && series.length) {
      for (const { key, title, ...rest } of SERIES_CHARTS) {
        const chart = new LineChart({ title, xLabel: 'time point', ...rest });
        chart.el.dataset.chart = key;
        host.appendChild(chart.el);
        chart.update(nucleusLines(series, key));
      }
    }
    const compareHost = document.querySelector<HTMLElement>('[data-role="comparison-charts"]');
    for (const [key, comparison] of Object.entries(this.cfg.comparison ?? {})) {
      if (!compareHost) break;
      const chart = new LineChart({ title: COMPARISON_TITLES[key] ?? key, xLabel: 'time point' });
      chart.el.dataset.chart = `compare-${key}`;
      compareHost.appendChild(chart.el);
      chart.update(comparisonLines(comparison));
    }
  }
}

export function mountPrediction(root: HTMLElement, config: PredictionConfig): PredictionPage {
  return new PredictionPage(root, config);
}
