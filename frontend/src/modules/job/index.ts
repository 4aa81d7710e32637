/**
 * Live training / evaluation job page. State comes from the job's WebSocket
 * (first a snapshot, then events; see socket.ts) and is folded by the pure
 * reducer in state.ts; folds.ts and summary.ts draw it.
 */

import { h, progressBar, setChildren } from '../../lib/dom';
import { dateTime, duration } from '../../lib/format';
import { CancelControl } from './cancelControl';
import { connIndicator, evaluateLink, jobProgress } from './derive';
import { createFoldView, foldMeta, updateFoldView, type FoldView } from './folds';
import { CLOSE_FORBIDDEN, LiveSocket, type Conn } from './socket';
import { initialState, reduce } from './state';
import { summaryCard } from './summary';
import { TERMINAL, type JobMessage, type JobSnapshot, type JobState } from './types';

export { wsAbsoluteUrl } from './socket';

export interface JobConfig {
  module: 'job';
  csrfToken?: string;
  wsUrl?: string | null;
  snapshotUrl?: string | null;
  cancelUrl?: string | null;
  kind?: 'training' | 'evaluation' | string;
  title?: string;
  /** Where "Evaluate this model" leads once a training job has succeeded. */
  evaluateUrl?: string | null;
  /** What the validation chart plots (default Dice; in-silico labelling: the stain's PCC). */
  validationMetric?: 'dice' | 'pcc';
}

export class JobPage {
  state: JobState = initialState();
  conn: Conn = 'connecting';
  private readonly cfg: JobConfig;
  private readonly evaluation: boolean;
  private readonly socket: LiveSocket;
  private reconnectAt: number | null = null;
  private frame = 0;
  private views = new Map<number, FoldView>();
  private foldsHost: HTMLElement;
  private statusBadge: HTMLElement;
  private connEl: HTMLElement;
  private overall: ReturnType<typeof progressBar>;
  private overallText: HTMLElement;
  private metaEl: HTMLElement;
  private summaryHost: HTMLElement;
  private cancel: CancelControl | null;
  private evaluateHost: HTMLElement;
  private messageEl: HTMLElement;
  private cancelNoteEl: HTMLElement;
  private announced: string | null = null;

  constructor(
    private readonly root: HTMLElement,
    config: JobConfig,
  ) {
    this.cfg = config;
    this.evaluation = config.kind === 'evaluation';
    root.classList.add('cw-app', 'cw-job');
    root.dataset.kind = this.evaluation ? 'evaluation' : 'training';
    this.statusBadge = h('span', { class: 'cw-badge cw-badge-queued', 'data-role': 'job-status' }, 'queued');
    this.connEl = h('span', { class: 'cw-conn', 'data-conn': 'connecting' }, 'Connecting…');
    this.overall = progressBar('Overall progress');
    this.overallText = h('div', { class: 'cw-muted cw-progress-caption' });
    this.metaEl = h('div', { class: 'cw-job-meta cw-muted' });
    this.summaryHost = h('div', { class: 'cw-job-summary' });
    this.cancel = config.cancelUrl
      ? new CancelControl({
          url: config.cancelUrl,
          label: 'Cancel job',
          question: 'Cancel this job?',
          danger: true,
          onCancelled: (res) => {
            if (res && typeof res === 'object' && 'folds' in res) this.dispatch({ type: 'snapshot', job: res as JobSnapshot });
            this.setMessage('Cancellation requested — running folds stop after the current batch.', 'info');
          },
          onError: (detail) => this.setMessage(`Could not cancel: ${detail}`, 'danger'),
        })
      : null;
    this.evaluateHost = h('div', { class: 'cw-job-next' });
    this.messageEl = h('div', { class: 'cw-job-message', 'aria-live': 'polite' });
    this.cancelNoteEl = h('p', { class: 'cw-muted', 'data-role': 'cancel-note', hidden: true });
    this.foldsHost = h('div', { class: 'cw-grid cw-folds' });
    const title = config.title ?? (this.evaluation ? 'Evaluation job' : 'Training job');
    setChildren(
      root,
      h(
        'div',
        { class: 'cw-page' },
        h(
          'header',
          { class: 'cw-page-head' },
          h('div', null, h('h1', null, title, ' ', this.statusBadge), this.metaEl, this.cancelNoteEl),
          h('div', { class: 'cw-page-head-actions' }, this.connEl, this.cancel?.el ?? null, this.evaluateHost),
        ),
        h('section', { class: 'cw-card cw-job-overall' }, this.overall.el, this.overallText),
        this.messageEl,
        this.summaryHost,
        this.foldsHost,
      ),
    );
    this.cancel?.update(!TERMINAL.has(this.state.status));
    this.socket = new LiveSocket({
      wsUrl: config.wsUrl,
      snapshotUrl: config.snapshotUrl,
      onMessage: (msg) => this.dispatch(msg as JobMessage),
      onSnapshot: (job) => this.dispatch({ type: 'snapshot', job: job as JobSnapshot }),
      onConn: (conn, at) => this.setConn(conn, at),
      onRefused: (code) =>
        this.setMessage(
          code === CLOSE_FORBIDDEN ? 'Live updates were refused: sign in again, or ask a project manager for access.' : 'This job does not exist or is not visible to you.',
          'danger',
        ),
      onError: (detail) => this.setMessage(`Could not load the job (${detail}).`, 'danger'),
      isFinished: () => TERMINAL.has(this.state.status),
      hasSnapshot: () => this.state.hasSnapshot,
    });
    // ETAs count down between events.
    window.setInterval(() => this.renderEtas(), 1000);
  }

  dispatch(msg: JobMessage): void {
    const next = reduce(this.state, msg);
    if (next === this.state) return;
    this.state = next;
    this.scheduleRender();
  }

  dispose(): void {
    this.socket.dispose();
  }

  private setConn(c: Conn, reconnectAt: number | null): void {
    this.conn = c;
    this.reconnectAt = reconnectAt;
    this.renderConn();
  }

  private renderConn(): void {
    const shown = connIndicator(this.conn, this.state.status);
    let text = shown.text;
    if (shown.conn === 'reconnecting') {
      const s = this.reconnectAt ? Math.max(0, Math.ceil((this.reconnectAt - Date.now()) / 1000)) : 0;
      text = `Connection lost — reconnecting in ${s} s`;
    }
    this.connEl.dataset.conn = shown.conn;
    this.root.dataset.conn = shown.conn;
    this.connEl.textContent = text;
  }

  private renderEvaluate(): void {
    const url = evaluateLink(this.state, this.cfg.evaluateUrl);
    if (!url) {
      this.evaluateHost.replaceChildren();
      return;
    }
    if (this.evaluateHost.firstChild) return;
    setChildren(this.evaluateHost, h('a', { class: 'cw-btn cw-btn-primary cw-btn-sm', href: url, 'data-role': 'evaluate-model' }, 'Evaluate this model'));
  }

  private setMessage(text: string, kind: 'info' | 'danger'): void {
    setChildren(this.messageEl, text ? h('div', { class: `cw-callout cw-callout-${kind}` }, text) : null);
  }

  // ---------------------------------------------------------------- render

  private scheduleRender(): void {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    }
  }

  private render(): void {
    const s = this.state;
    this.root.dataset.status = s.status;
    this.statusBadge.className = `cw-badge cw-badge-${s.status}`;
    this.statusBadge.textContent = s.status;
    const meta: string[] = [];
    if (s.id !== null) meta.push(`#${s.id}`);
    if (s.createdAt) meta.push(`created ${dateTime(s.createdAt)}`);
    if (s.estimateS) meta.push(`estimated ${duration(s.estimateS)}`);
    const cfg = s.config ?? {};
    for (const k of ['model', 'architecture', 'epochs', 'folds', 'device']) if (cfg[k] !== undefined && typeof cfg[k] !== 'object') meta.push(`${k} ${String(cfg[k])}`);
    this.metaEl.textContent = meta.join(' · ');
    // Who cancelled it, when and why (or who asked, while a running fold finishes its batch).
    this.cancelNoteEl.textContent = s.cancelNote ?? '';
    this.cancelNoteEl.hidden = !s.cancelNote;
    const p = jobProgress(s);
    this.overall.set(s.status === 'queued' && p === null ? 0 : p);
    this.overallText.textContent =
      s.status === 'queued' ? 'Waiting for a worker…' : p !== null ? `${Math.round(p * 100)} % overall` : TERMINAL.has(s.status) ? '' : 'Starting…';
    this.cancel?.update(!TERMINAL.has(s.status));
    this.renderEvaluate();
    setChildren(this.summaryHost, summaryCard(s));
    this.renderFolds();
    this.renderConn();
    if (TERMINAL.has(s.status) && s.status !== this.announced) {
      this.announced = s.status;
      // Nothing more can happen to an ended job: stop listening (and reconnecting).
      this.socket.dispose();
      const text: Record<string, string> = {
        succeeded: '',
        failed: 'The job failed — see the fold errors below.',
        cancelled: 'The job was cancelled.',
        canceled: 'The job was cancelled.',
        error: 'The job stopped with an error.',
      };
      this.setMessage(text[s.status] ?? '', s.status === 'failed' || s.status === 'error' ? 'danger' : 'info');
    }
  }

  private renderEtas(): void {
    if (this.conn === 'reconnecting') this.renderConn();
    for (const f of this.state.folds) {
      const v = this.views.get(f.index);
      if (v) v.meta.textContent = foldMeta(f);
    }
  }

  private renderFolds(): void {
    const s = this.state;
    const seen = new Set<number>();
    for (const f of s.folds) {
      seen.add(f.index);
      let v = this.views.get(f.index);
      if (!v) {
        v = createFoldView(f, { charts: !this.evaluation, unitName: this.evaluation ? 'Evaluation' : 'Job', metric: this.cfg.validationMetric ?? 'dice' });
        this.views.set(f.index, v);
        this.foldsHost.appendChild(v.el);
      }
      updateFoldView(v, f, s.config);
    }
    for (const [idx, v] of this.views) {
      if (!seen.has(idx)) {
        v.el.remove();
        this.views.delete(idx);
      }
    }
    // An evaluation has a single unit of work; its bar is the overall one.
    this.root.classList.toggle('is-single', s.folds.length === 1 && this.evaluation);
  }
}

export function mountJob(root: HTMLElement, config: JobConfig): JobPage {
  return new JobPage(root, config);
}
