/**
 * Live training / evaluation job page. State comes from a WebSocket (first a
 * snapshot, then events) and is folded by the pure reducer in state.ts.
 * If the socket drops, the page reconnects with backoff and polls the HTTP
 * snapshot meanwhile, so it never shows stale progress as live.
 */

import { ApiError, getJson, postJson } from '../../lib/api';
import { button, h, progressBar, setChildren } from '../../lib/dom';
import { dateTime, duration, num } from '../../lib/format';
import { icons } from '../../lib/icons';
import { LineChart } from './chart';
import {
  displayEpoch,
  etaNow,
  foldProgress,
  initialState,
  jobProgress,
  reduce,
  TERMINAL,
  type FoldState,
  type JobMessage,
  type JobSnapshot,
  type JobState,
} from './state';

export interface JobConfig {
  module: 'job';
  csrfToken?: string;
  wsUrl?: string | null;
  snapshotUrl?: string | null;
  cancelUrl?: string | null;
  kind?: 'training' | 'evaluation' | string;
  title?: string;
}

type Conn = 'connecting' | 'live' | 'reconnecting' | 'closed' | 'unavailable';

interface FoldView {
  el: HTMLElement;
  title: HTMLElement;
  badge: HTMLElement;
  progress: ReturnType<typeof progressBar>;
  meta: HTMLElement;
  split: HTMLElement;
  error: HTMLElement;
  loss: LineChart | null;
  dice: LineChart | null;
}

const COLOURS = { train: '#2563eb', val: '#ea580c', batch: '#64748b', dice: '#059669' };

export function wsAbsoluteUrl(url: string, loc: Pick<Location, 'protocol' | 'host'> = location): string {
  if (/^wss?:\/\//i.test(url)) return url;
  if (/^https?:\/\//i.test(url)) return url.replace(/^http/i, 'ws');
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}${url.startsWith('/') ? '' : '/'}${url}`;
}

export class JobPage {
  state: JobState = initialState();
  conn: Conn = 'connecting';
  private readonly cfg: JobConfig;
  private readonly evaluation: boolean;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private reconnectAt: number | null = null;
  private reconnectTimer = 0;
  private snapshotTimer = 0;
  private frame = 0;
  private views = new Map<number, FoldView>();
  private foldsHost: HTMLElement;
  private statusBadge: HTMLElement;
  private connEl: HTMLElement;
  private overall: ReturnType<typeof progressBar>;
  private overallText: HTMLElement;
  private metaEl: HTMLElement;
  private summaryHost: HTMLElement;
  private cancelHost: HTMLElement;
  private cancelBtn: HTMLButtonElement | null = null;
  private messageEl: HTMLElement;
  private disposed = false;
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
    this.cancelHost = h('div', { class: 'cw-cancel' });
    this.messageEl = h('div', { class: 'cw-job-message', 'aria-live': 'polite' });
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
          h('div', null, h('h1', null, title, ' ', this.statusBadge), this.metaEl),
          h('div', { class: 'cw-page-head-actions' }, this.connEl, this.cancelHost),
        ),
        h('section', { class: 'cw-card cw-job-overall' }, this.overall.el, this.overallText),
        this.messageEl,
        this.summaryHost,
        this.foldsHost,
      ),
    );
    this.renderCancel();
    this.connect();
    // If the socket does not deliver a snapshot quickly, show the HTTP one.
    this.snapshotTimer = window.setTimeout(() => {
      if (!this.state.hasSnapshot) void this.fetchSnapshot();
    }, 2500);
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
    this.disposed = true;
    this.ws?.close();
    window.clearTimeout(this.reconnectTimer);
    window.clearTimeout(this.snapshotTimer);
  }

  // ---------------------------------------------------------------- connection

  private connect(): void {
    if (this.disposed) return;
    if (!this.cfg.wsUrl || typeof WebSocket === 'undefined') {
      this.setConn('unavailable');
      void this.pollWithoutSocket();
      return;
    }
    this.setConn(this.attempt ? 'reconnecting' : 'connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(wsAbsoluteUrl(this.cfg.wsUrl));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setConn('live');
    };
    ws.onmessage = (ev) => {
      let msg: JobMessage;
      try {
        msg = JSON.parse(String(ev.data)) as JobMessage;
      } catch {
        return;
      }
      this.dispatch(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.disposed) return;
      if (TERMINAL.has(this.state.status)) {
        this.setConn('closed');
        return;
      }
      // 4403 / 4404: refused by the server; retrying cannot help.
      if (ev.code === 4403 || ev.code === 4404) {
        this.setConn('unavailable');
        this.setMessage(
          ev.code === 4403
            ? 'Live updates were refused: sign in again, or ask a project manager for access.'
            : 'This job does not exist or is not visible to you.',
          'danger',
        );
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.attempt++;
    const delay = Math.min(30, 2 ** (this.attempt - 1));
    this.reconnectAt = Date.now() + delay * 1000;
    this.setConn('reconnecting');
    // Keep the page current over HTTP while the socket is down.
    void this.fetchSnapshot();
    window.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = window.setTimeout(() => this.connect(), delay * 1000);
  }

  private async pollWithoutSocket(): Promise<void> {
    while (!this.disposed) {
      await this.fetchSnapshot();
      if (TERMINAL.has(this.state.status)) return;
      await new Promise((r) => setTimeout(r, 3000));
    }
  }

  private async fetchSnapshot(): Promise<void> {
    if (!this.cfg.snapshotUrl) return;
    try {
      const job = await getJson<JobSnapshot>(this.cfg.snapshotUrl);
      // A live socket's own snapshot and events are newer; do not overwrite them.
      if (this.ws && this.ws.readyState === WebSocket.OPEN && this.state.hasSnapshot) return;
      this.dispatch({ type: 'snapshot', job });
    } catch (err) {
      if (!this.state.hasSnapshot) this.setMessage(`Could not load the job (${err instanceof ApiError ? err.detail : String(err)}).`, 'danger');
    }
  }

  private setConn(c: Conn): void {
    this.conn = c;
    this.connEl.dataset.conn = c;
    this.root.dataset.conn = c;
    this.renderConn();
  }

  private renderConn(): void {
    const c = this.conn;
    let text = '';
    if (c === 'live') text = 'Live';
    else if (c === 'connecting') text = 'Connecting…';
    else if (c === 'closed') text = 'Finished';
    else if (c === 'unavailable') text = 'Updating every few seconds';
    else {
      const s = this.reconnectAt ? Math.max(0, Math.ceil((this.reconnectAt - Date.now()) / 1000)) : 0;
      text = `Connection lost — reconnecting in ${s} s`;
    }
    this.connEl.textContent = text;
  }

  // ---------------------------------------------------------------- cancel

  private renderCancel(): void {
    if (!this.cfg.cancelUrl) return;
    if (TERMINAL.has(this.state.status)) {
      this.cancelHost.replaceChildren();
      this.cancelBtn = null;
      return;
    }
    if (this.cancelBtn) return;
    this.cancelBtn = button('Cancel job', { icon: icons.stop, variant: 'danger', small: true, onClick: () => this.askCancel() });
    setChildren(this.cancelHost, this.cancelBtn);
  }

  private askCancel(): void {
    const yes = button('Yes, cancel', { variant: 'danger', small: true, onClick: () => void this.cancel() });
    const no = button('Keep running', {
      small: true,
      onClick: () => {
        this.cancelBtn = null;
        this.renderCancel();
      },
    });
    setChildren(this.cancelHost, h('span', { class: 'cw-confirm' }, 'Cancel this job? ', yes, no));
    yes.focus();
  }

  private async cancel(): Promise<void> {
    setChildren(this.cancelHost, h('span', { class: 'cw-muted' }, 'Cancelling…'));
    try {
      const res = await postJson<JobSnapshot | { status?: string }>(this.cfg.cancelUrl!, {});
      if (res && typeof res === 'object' && 'folds' in res) this.dispatch({ type: 'snapshot', job: res as JobSnapshot });
      this.setMessage('Cancellation requested — running folds stop after the current batch.', 'info');
    } catch (err) {
      this.setMessage(`Could not cancel: ${err instanceof ApiError ? err.detail : String(err)}`, 'danger');
      this.cancelBtn = null;
      this.renderCancel();
    }
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
    const p = jobProgress(s);
    this.overall.set(s.status === 'queued' && p === null ? 0 : p);
    this.overallText.textContent =
      s.status === 'queued' ? 'Waiting for a worker…' : p !== null ? `${Math.round(p * 100)} % overall` : TERMINAL.has(s.status) ? '' : 'Starting…';
    this.renderCancel();
    this.renderSummary();
    this.renderFolds();
    this.renderConn();
    if (TERMINAL.has(s.status) && s.status !== this.announced) {
      this.announced = s.status;
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
      if (v) v.meta.textContent = this.foldMeta(f);
    }
  }

  private foldMeta(f: FoldState): string {
    const parts: string[] = [];
    const ep = displayEpoch(f);
    if (ep !== null && f.epochs) parts.push(`epoch ${ep}/${f.epochs}`);
    if (f.batch !== null && f.batches) parts.push(`batch ${f.batch}/${f.batches}`);
    const eta = etaNow(f);
    if (eta !== null && f.status === 'running') parts.push(`ETA ${duration(eta)}`);
    if (f.loss !== null && f.status === 'running') parts.push(`loss ${num(f.loss, 4)}`);
    const where = [f.worker, f.device].filter(Boolean).join(' · ');
    if (where) parts.push(where);
    return parts.join(' · ') || (f.status === 'queued' ? 'Waiting for a worker…' : '');
  }

  private renderFolds(): void {
    const s = this.state;
    const seen = new Set<number>();
    for (const f of s.folds) {
      seen.add(f.index);
      let v = this.views.get(f.index);
      if (!v) {
        v = this.createFoldView(f);
        this.views.set(f.index, v);
        this.foldsHost.appendChild(v.el);
      }
      v.el.dataset.status = f.status;
      v.badge.className = `cw-badge cw-badge-${f.status}`;
      v.badge.textContent = f.status;
      const fp = foldProgress(f);
      v.progress.set(f.status === 'queued' ? 0 : fp, fp !== null ? `${Math.round(fp * 100)} %` : '');
      v.meta.textContent = this.foldMeta(f);
      if (f.specimensTrain.length || f.specimensVal.length) {
        setChildren(
          v.split,
          f.specimensTrain.length ? h('div', null, h('span', { class: 'cw-split-label' }, `Train (${f.specimensTrain.length})`), ' ', f.specimensTrain.join(', ')) : null,
          f.specimensVal.length ? h('div', null, h('span', { class: 'cw-split-label' }, `Validation (${f.specimensVal.length})`), ' ', f.specimensVal.join(', ')) : null,
        );
      }
      v.error.hidden = !f.error;
      v.error.textContent = f.error ?? '';
      const axis = { xMax: f.epochs ?? 1 };
      v.loss?.update(
        [
          { name: 'batch loss', colour: COLOURS.batch, points: f.batchLoss, style: 'dots' },
          { name: 'train loss', colour: COLOURS.train, points: pts(f, 'train_loss') },
          { name: 'validation loss', colour: COLOURS.val, points: pts(f, 'val_loss') },
        ],
        axis,
      );
      v.dice?.update([{ name: 'validation Dice', colour: COLOURS.dice, points: pts(f, 'val_dice') }], axis);
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

  private createFoldView(f: FoldState): FoldView {
    const title = h('h2', { class: 'cw-card-title' }, (f.label ? f.label.charAt(0).toUpperCase() + f.label.slice(1) : null) ?? (f.index < 0 ? (this.evaluation ? 'Evaluation' : 'Job') : `Fold ${f.index}`));
    const badge = h('span', { class: 'cw-badge' });
    const progress = progressBar(f.index < 0 ? 'Progress' : `Fold ${f.index} progress`);
    const meta = h('div', { class: 'cw-fold-meta' });
    const split = h('div', { class: 'cw-fold-split' });
    const error = h('pre', { class: 'cw-fold-error', hidden: true });
    const showCharts = !this.evaluation;
    const loss = showCharts ? new LineChart({ title: 'Loss', xLabel: 'epoch', yMin: 0 }) : null;
    const dice = showCharts ? new LineChart({ title: 'Validation Dice', xLabel: 'epoch', yMin: 0, yMax: 1, yDigits: 1 }) : null;
    if (loss) loss.el.dataset.chart = 'loss';
    if (dice) dice.el.dataset.chart = 'dice';
    const el = h(
      'section',
      { class: 'cw-card cw-fold', 'data-fold': f.index },
      h('div', { class: 'cw-card-head' }, title, badge),
      progress.el,
      meta,
      split,
      error,
      showCharts ? h('div', { class: 'cw-fold-charts' }, loss!.el, dice!.el) : null,
    );
    return { el, title, badge, progress, meta, split, error, loss, dice };
  }

  private renderSummary(): void {
    const metrics = this.state.summary?.metrics;
    if (!metrics || !Object.keys(metrics).length) {
      this.summaryHost.replaceChildren();
      return;
    }
    const foldCount = Math.max(0, ...Object.values(metrics).map((m) => m?.per_fold?.length ?? 0));
    // per_fold follows the cross-validation folds in index order.
    const cv = this.state.folds.filter((f) => f.index >= 0 && (f.kind === null || f.kind === 'cv'));
    const name = (i: number) => {
      const l = cv[i]?.label;
      return l ? l.charAt(0).toUpperCase() + l.slice(1) : `Fold ${cv[i]?.index ?? i}`;
    };
    const foldHeads = Array.from({ length: foldCount }, (_, i) => h('th', { class: 'cw-num' }, name(i)));
    const rows = Object.entries(metrics).map(([name, m]) =>
      h(
        'tr',
        null,
        h('th', { scope: 'row' }, name),
        ...Array.from({ length: foldCount }, (_, i) => h('td', { class: 'cw-num' }, num(m?.per_fold?.[i] ?? null))),
        h('td', { class: 'cw-num cw-strong' }, `${num(m?.mean ?? null)}${m?.std !== undefined && m?.std !== null ? ` ± ${num(m.std)}` : ''}`),
      ),
    );
    setChildren(
      this.summaryHost,
      h(
        'section',
        { class: 'cw-card', 'data-card': 'summary' },
        h('h2', { class: 'cw-card-title' }, 'Summary'),
        h(
          'div',
          { class: 'cw-table-wrap' },
          h('table', { class: 'cw-table' }, h('thead', null, h('tr', null, h('th', null, 'Metric'), ...foldHeads, h('th', { class: 'cw-num' }, 'Mean ± std'))), h('tbody', null, ...rows)),
        ),
      ),
    );
  }
}

function pts(f: FoldState, key: 'train_loss' | 'val_loss' | 'val_dice'): [number, number][] {
  const out: [number, number][] = [];
  for (const p of f.history) {
    const v = p[key];
    if (typeof v === 'number' && Number.isFinite(v)) out.push([p.epoch, v]);
  }
  return out;
}

export function mountJob(root: HTMLElement, config: JobConfig): JobPage {
  return new JobPage(root, config);
}
