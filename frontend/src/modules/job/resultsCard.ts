/**
 * The live card of a results page (prediction, learning curve): the job's
 * status badge, a cancel button, a progress bar and a caption, kept current
 * over the job socket (socket.ts) with the page's reducer (results.ts). A page
 * opened on a finished job shows it as rendered; when the job reaches a status
 * with results while the page watches, the page reloads so that the server
 * renders them.
 */

import { h, progressBar, setChildren } from '../../lib/dom';
import { CancelControl } from './cancelControl';
import { FINAL, type Msg, type ResultsState } from './results';
import { followJob, reloadForResults, type Conn, type LiveSocket } from './socket';

/** What the server hands a results page for its live card. */
export interface ResultsCardConfig {
  csrfToken?: string;
  wsUrl?: string | null;
  snapshotUrl?: string | null;
  cancelUrl?: string | null;
  status?: string;
}

export interface ResultsCardSpec<S extends ResultsState> {
  /** The job, for the refusal caption: "This learning curve is not visible to you." */
  what: string;
  /** The progress bar's accessible name. */
  progressLabel: string;
  initial: S;
  reduce(state: S, msg: Msg): S;
  /** Done so far, 0 … 1. */
  fraction(state: S): number;
  /** The caption while there is no error. */
  caption(state: S): string;
  /** Whether the job reaching `status` brings results to show. */
  hasResults(status: string): boolean;
  /** Shown below the caption. */
  extra?: HTMLElement[];
  /** Called after each render, for what only this page shows. */
  rendered?(state: S): void;
}

export class ResultsCard<S extends ResultsState> {
  state: S;
  conn: Conn = 'connecting';
  private readonly socket: LiveSocket | null = null;
  private readonly startedFinal: boolean;
  private readonly badge = h('span', { class: 'cw-badge', 'data-role': 'live-status' });
  private readonly bar: ReturnType<typeof progressBar>;
  private readonly caption = h('div', { class: 'cw-muted cw-progress-caption', 'aria-live': 'polite', 'data-role': 'caption' });
  private readonly cancel: CancelControl | null;
  private readonly cancelNote = h('p', { class: 'cw-muted', 'data-role': 'live-cancel-note', hidden: true });

  constructor(
    private readonly root: HTMLElement,
    cfg: ResultsCardConfig,
    private readonly spec: ResultsCardSpec<S>,
  ) {
    this.state = spec.initial;
    this.startedFinal = FINAL.has(this.state.status);
    this.bar = progressBar(spec.progressLabel);
    this.cancel = cfg.cancelUrl
      ? new CancelControl({
          url: cfg.cancelUrl,
          label: 'Cancel',
          question: 'Cancel it?',
          onCancelled: (answer) => this.apply(answer as Msg),
          onError: (detail) => this.showCaption(detail),
        })
      : null;
    const head = h('p', null, this.badge, ' ', this.cancel?.el ?? null);
    setChildren(root, h('section', { class: 'cw-card', 'data-role': 'live' }, head, this.bar.el, this.caption, this.cancelNote, ...(spec.extra ?? [])));
    if (!this.startedFinal) {
      this.socket = followJob(cfg, root, {
        what: spec.what,
        apply: (msg) => this.apply(msg),
        showCaption: (text) => this.showCaption(text),
        isFinished: () => FINAL.has(this.state.status),
        hasSnapshot: () => this.state.seq >= 0,
        onConn: (conn) => {
          this.conn = conn;
        },
      });
    }
    this.render();
  }

  private apply(msg: Msg): void {
    const before = this.state.status;
    this.state = this.spec.reduce(this.state, msg);
    this.render();
    if (this.state.status !== before && this.spec.hasResults(this.state.status) && !this.startedFinal) {
      // The server renders the tables, images, charts and files from what the job stored.
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
    const fraction = this.spec.fraction(s);
    this.bar.set(fraction, `${Math.round(fraction * 100)} %`);
    this.showCaption(s.error ?? this.spec.caption(s));
    this.spec.rendered?.(s);
    // A page opened on a finished job shows the server's line; a watched one shows it here.
    const note = this.startedFinal ? null : (s.cancelNote ?? null);
    this.cancelNote.textContent = note ?? '';
    this.cancelNote.hidden = !note;
    this.cancel?.update(!FINAL.has(s.status));
  }

}
