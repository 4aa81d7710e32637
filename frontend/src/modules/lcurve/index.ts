/**
 * Learning-curve page: live progress over the job socket (state.ts folds
 * it), the points finished so far, and a cancel button. The chart, table and
 * downloads are server-rendered from the stored report; when a running job
 * succeeds the page reloads to show them.
 */

import { ApiError, postJson } from '../../lib/api';
import { button, h, progressBar, setChildren } from '../../lib/dom';
import { icons } from '../../lib/icons';
import { followJob, reloadForResults, type LiveSocket } from '../job/socket';
import { FINAL, initialCurveState, reduceCurve, type CurvePoint, type CurveState } from './state';

export interface CurveConfig {
  module: 'lcurve';
  csrfToken?: string;
  wsUrl?: string | null;
  snapshotUrl?: string | null;
  cancelUrl?: string | null;
  status?: string;
  total?: number;
  /** Points finished when the page was rendered. */
  points?: CurvePoint[];
}

export class CurvePage {
  state: CurveState;
  private readonly socket: LiveSocket | null = null;
  private readonly startedFinal: boolean;
  private readonly badge = h('span', { class: 'cw-badge', 'data-role': 'live-status' });
  private readonly bar = progressBar('Learning-curve progress');
  private readonly caption = h('div', { class: 'cw-muted cw-progress-caption', 'aria-live': 'polite', 'data-role': 'caption' });
  private readonly latest = h('div', { class: 'cw-muted', 'data-role': 'latest-point' });
  private readonly cancelHost = h('div', { class: 'cw-cancel' });

  constructor(
    private readonly root: HTMLElement,
    private readonly cfg: CurveConfig,
  ) {
    this.state = initialCurveState(cfg.status, cfg.total ?? 0, cfg.points ?? []);
    this.startedFinal = FINAL.has(this.state.status);
    setChildren(root, h('section', { class: 'cw-card', 'data-role': 'live' }, h('p', null, this.badge, ' ', this.cancelHost), this.bar.el, this.caption, this.latest));
    if (this.startedFinal) {
      this.render();
      return;
    }
    this.socket = followJob(cfg, root, {
      what: 'learning curve',
      apply: (msg) => this.apply(msg),
      showCaption: (text) => this.showCaption(text),
      isFinished: () => FINAL.has(this.state.status),
      hasSnapshot: () => this.state.seq >= 0,
    });
    this.render();
  }

  private apply(msg: Record<string, unknown>): void {
    const before = this.state.status;
    this.state = reduceCurve(this.state, msg);
    this.render();
    if (this.state.status !== before && FINAL.has(this.state.status) && !this.startedFinal) {
      // The chart, table and files are rendered by the server from what the job stored.
      reloadForResults(this.socket);
    }
  }

  private showCaption(text: string): void {
    this.caption.textContent = text;
  }

  private render(): void {
    const s = this.state;
    this.root.dataset.status = s.status;
    this.root.dataset.points = String(s.points.length);
    this.badge.className = `cw-badge cw-badge-${s.status}`;
    this.badge.textContent = s.status;
    this.bar.set(s.progress, `${Math.round(s.progress * 100)} %`);
    const now = FINAL.has(s.status) ? '' : s.message;
    this.showCaption(s.error ?? `${s.points.length} of ${s.total || '?'} points done${now ? ` · ${now}` : ''}`);
    const last = s.points[s.points.length - 1];
    this.latest.textContent = last
      ? `Last point: ${last.start === 'pretrained' ? 'pretrained' : 'from scratch'}, n = ${last.n}, seed ${last.seed}: Dice ${last.dice == null ? '—' : last.dice.toFixed(3)}`
      : '';
    const cancellable = !!this.cfg.cancelUrl && !FINAL.has(s.status);
    setChildren(this.cancelHost, cancellable ? button('Cancel', { icon: icons.stop, small: true, onClick: () => void this.cancel() }) : null);
  }

  private async cancel(): Promise<void> {
    if (!this.cfg.cancelUrl) return;
    try {
      this.apply(await postJson<Record<string, unknown>>(this.cfg.cancelUrl));
    } catch (err) {
      this.showCaption(err instanceof ApiError ? err.detail : String(err));
    }
  }
}

export function mountCurve(root: HTMLElement, config: CurveConfig): CurvePage {
  return new CurvePage(root, config);
}
