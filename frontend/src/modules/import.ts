/**
 * Import job progress, live over the job's WebSocket (snapshot, then progress
 * and status events; see job/socket.ts), with the HTTP status as the fallback
 * where the socket is unavailable.
 */

import { h, progressBar, setChildren } from '../lib/dom';
import { icons } from '../lib/icons';
import { CancelControl } from './job/cancelControl';
import { FINAL } from './job/results';
import { CLOSE_FORBIDDEN, LiveSocket } from './job/socket';

export interface ImportConfig {
  module: 'import';
  wsUrl?: string | null;
  snapshotUrl?: string | null;
  /** The cancel endpoint, for who may cancel the import (its launcher or a manager). */
  cancelUrl?: string | null;
  doneUrl?: string | null;
  /** What the link to doneUrl says once the import has finished (default: back to the project). */
  doneLabel?: string | null;
  /** Optional: where the imported specimen can be opened. */
  specimenUrl?: string | null;
  /** Optional: the status at render time, shown before the first poll answers. */
  job?: ImportStatus | null;
  title?: string;
}

export interface ImportStatus {
  status: 'queued' | 'running' | 'succeeded' | 'failed' | string;
  progress?: number | null;
  message?: string | null;
  error?: string | null;
  result?: Record<string, unknown> | null;
  specimen_url?: string | null;
  /** A model import: the stored version's row on the models page. */
  version_url?: string | null;
  model_version?: number | null;
  /** It imported a specimen that was deleted since (then there is no specimen to open). */
  specimen_deleted?: boolean | null;
  /** "Cancelled by … at … — reason"; null when nobody cancelled it. */
  cancel_note?: string | null;
  seq?: number | null;
}

export interface ImportFollow {
  status: ImportStatus | null;
  lastSeq: number;
}

/**
 * The import's status after one socket message (pure): a snapshot replaces it
 * and resets the sequence; an event newer than the last one applied updates it;
 * an older or repeated one is ignored.
 */
export function followImport(state: ImportFollow, msg: Record<string, unknown>): ImportFollow {
  if (msg.type === 'snapshot') {
    const job = (msg.job ?? {}) as ImportStatus;
    return { status: job, lastSeq: typeof job.seq === 'number' ? job.seq : 0 };
  }
  const seq = typeof msg.seq === 'number' ? msg.seq : null;
  if (seq !== null && seq <= state.lastSeq) return state;
  const lastSeq = seq ?? state.lastSeq;
  const current: ImportStatus = state.status ?? { status: 'queued' };
  if (msg.type === 'progress') {
    const status = FINAL.has(current.status) ? current.status : 'running';
    const progress = typeof msg.progress === 'number' ? msg.progress : current.progress;
    const message = typeof msg.message === 'string' ? msg.message : current.message;
    return { status: { ...current, status, progress, message }, lastSeq };
  }
  if (msg.type === 'job_status') return { status: { ...current, ...(msg as unknown as ImportStatus) }, lastSeq };
  return { status: state.status, lastSeq };
}

export class ImportPage {
  status: ImportStatus | null = null;
  private bar = progressBar('Import progress');
  private badge = h('span', { class: 'cw-badge cw-badge-queued' }, 'queued');
  private message = h('p', { class: 'cw-import-message' }, 'Waiting for the import to start…');
  private outcome = h('div', { class: 'cw-import-outcome', 'aria-live': 'polite' });
  private cancel: CancelControl | null = null;
  private socket: LiveSocket | null = null;
  private lastSeq = -1;

  constructor(
    private readonly root: HTMLElement,
    private readonly cfg: ImportConfig,
  ) {
    root.classList.add('cw-app', 'cw-import');
    this.bar.set(null);
    if (cfg.cancelUrl) {
      this.cancel = new CancelControl({
        url: cfg.cancelUrl,
        label: 'Cancel import',
        question: 'Cancel this import?',
        onCancelled: (answer) => {
          if (answer && typeof answer === 'object' && 'status' in answer) this.apply({ type: 'job_status', ...(answer as Record<string, unknown>) });
        },
        onError: (detail) => setChildren(this.outcome, h('div', { class: 'cw-callout cw-callout-danger', 'data-role': 'cancel-error' }, `Could not cancel: ${detail}`)),
      });
    }
    setChildren(
      root,
      h(
        'div',
        { class: 'cw-page cw-page-narrow' },
        h('section', { class: 'cw-card' }, h('div', { class: 'cw-card-head' }, h('h1', { class: 'cw-card-title' }, cfg.title ?? 'Importing data'), h('div', { class: 'cw-card-head-actions' }, this.cancel?.el ?? null, this.badge)), this.bar.el, this.message, this.outcome),
      ),
    );
    if (cfg.job && typeof cfg.job.status === 'string') this.render(cfg.job);
    if (!cfg.wsUrl && !cfg.snapshotUrl) {
      if (!cfg.job) this.message.textContent = 'No import to follow.';
      return;
    }
    if (cfg.job && FINAL.has(cfg.job.status)) return;
    this.socket = new LiveSocket({
      wsUrl: cfg.wsUrl,
      snapshotUrl: cfg.snapshotUrl,
      onMessage: (msg) => this.apply(msg),
      onSnapshot: (job) => this.apply({ type: 'snapshot', job }),
      onConn: () => undefined,
      onRefused: (code) => this.refuse(code === CLOSE_FORBIDDEN ? 'live updates were refused; sign in again' : 'this import does not exist or is not visible to you'),
      onError: (detail, retryable) => {
        if (retryable) this.message.textContent = `Connection problem (${detail}) — retrying. The import keeps running on the server.`;
        else this.refuse(detail);
      },
      isFinished: () => FINAL.has(this.status?.status ?? ''),
      hasSnapshot: () => this.lastSeq >= 0,
      pollMs: 1000,
    });
  }

  apply(msg: Record<string, unknown>): void {
    const next = followImport({ status: this.status, lastSeq: this.lastSeq }, msg);
    this.lastSeq = next.lastSeq;
    if (next.status && next.status !== this.status) this.render(next.status);
  }

  private refuse(detail: string): void {
    setChildren(this.outcome, h('div', { class: 'cw-callout cw-callout-danger' }, `Cannot follow this import: ${detail}`));
  }

  private render(st: ImportStatus): void {
    this.status = st;
    this.root.dataset.status = st.status;
    this.badge.className = `cw-badge cw-badge-${st.status}`;
    this.badge.textContent = st.status;
    this.cancel?.update(!FINAL.has(st.status));
    const p = typeof st.progress === 'number' && Number.isFinite(st.progress) ? st.progress : null;
    if (st.status === 'succeeded') this.bar.set(1, '100 %');
    else if (st.status === 'queued') this.bar.set(null);
    else this.bar.set(p, p !== null ? `${Math.round(p * 100)} %` : '');
    this.message.textContent = st.message || (st.status === 'queued' ? 'Waiting for a worker…' : st.status === 'running' ? 'Working…' : '');
    if (st.status === 'succeeded') {
      const specimenUrl = st.specimen_deleted ? null : (st.specimen_url ?? this.cfg.specimenUrl ?? null);
      const target = openTarget(st, specimenUrl);
      const open = target
        ? h('a', { class: 'cw-btn cw-btn-primary', href: target.url, 'data-action': target.action }, h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icons.eye }), h('span', { class: 'cw-btn-label' }, target.label))
        : null;
      const done = this.cfg.doneUrl
        ? h('a', { class: `cw-btn${open ? '' : ' cw-btn-primary'}`, href: this.cfg.doneUrl, 'data-action': 'done' }, h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icons.next }), h('span', { class: 'cw-btn-label' }, this.cfg.doneLabel ?? (open ? 'Back to the project' : 'Continue')))
        : null;
      setChildren(
        this.outcome,
        h('div', { class: 'cw-callout cw-callout-success' }, h('p', null, 'Import finished.'), deletedNote(st), summary(st.result), open || done ? h('div', { class: 'cw-btn-row' }, open, done) : null),
      );
    } else if (st.status === 'cancelled') {
      setChildren(this.outcome, h('div', { class: 'cw-callout', 'data-result': 'cancelled' }, h('p', { 'data-role': 'cancel-note' }, st.cancel_note || 'Import cancelled.')));
    } else if (st.status === 'failed') {
      setChildren(this.outcome, h('div', { class: 'cw-callout cw-callout-danger', 'data-result': 'failed' }, h('p', null, h('strong', null, 'Import failed.')), h('pre', { class: 'cw-pre' }, st.error || 'No error message was given.')));
    }
  }

  dispose(): void {
    this.socket?.dispose();
  }
}

/** What a finished import opens: the stored model version, else the imported specimen. */
export function openTarget(st: ImportStatus, specimenUrl: string | null): { url: string; label: string; action: string } | null {
  if (st.version_url) return { url: st.version_url, label: `Open model version ${st.model_version ?? ''}`.trim(), action: 'open-version' };
  return specimenUrl ? { url: specimenUrl, label: 'Open the specimen', action: 'open-specimen' } : null;
}

/** The labels of the importers' flat result fields, in the order the page lists them. */
const RESULT_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['model_version', 'Model version'],
  ['name', 'Name'],
  ['verified', 'Verified'],
  ['unverified', 'Unverified'],
  ['specimen_name', 'Specimen'],
  ['volumes_created', 'Volumes'],
  ['time_points_count', 'Time points'],
  ['sections_count', 'Label-free sections'],
  ['stain_sections_count', 'Stain sections'],
];
/** Counts not listed while they are 0 (a file without a stain). */
const SHOWN_WHEN_SOME = new Set(['stain_sections_count']);

/**
 * The result's scalar fields as (label, value) pairs: the known ones labelled and in a fixed
 * order, any others after them by name. The stored result (read back from the database) does
 * not keep the order its keys were written in, so the order must not come from the object.
 */
export function summaryEntries(result: Record<string, unknown>): [string, string][] {
  const scalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
  const known = new Set(RESULT_LABELS.map(([key]) => key));
  const shown = (key: string) => scalar(result[key]) && !(SHOWN_WHEN_SOME.has(key) && result[key] === 0);
  const labelled = RESULT_LABELS.filter(([key]) => shown(key)).map(([key, label]): [string, string] => [label, String(result[key])]);
  const others = Object.keys(result)
    .filter((key) => !known.has(key) && scalar(result[key]))
    .sort()
    .map((key): [string, string] => [key.replace(/_/g, ' '), String(result[key])]);
  return [...labelled, ...others];
}

/** What the page says of an imported specimen that was deleted since; null while it exists. */
export function deletedText(st: ImportStatus): string | null {
  if (!st.specimen_deleted) return null;
  const name = typeof st.result?.specimen_name === 'string' ? `Specimen “${st.result.specimen_name}”` : 'The specimen';
  return `${name} was deleted after this import, with its volumes and sections.`;
}

function deletedNote(st: ImportStatus): HTMLElement | null {
  const text = deletedText(st);
  return text ? h('p', { 'data-role': 'specimen-deleted' }, text) : null;
}

/** A result field's strings; [] when it is not a list. */
function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((w): w is string => typeof w === 'string') : [];
}

/**
 * The result's `notes` (what the import chose by itself, e.g. the channels it picked by their
 * names: information, shown muted) and `warnings` (what may be wrong, shown as warnings).
 */
export function resultMessages(result: Record<string, unknown>): { notes: string[]; warnings: string[] } {
  return { notes: strings(result.notes), warnings: strings(result.warnings) };
}

/** Scalar result fields as a key/value list, then the result's notes and warnings. */
function summary(result: Record<string, unknown> | null | undefined): HTMLElement | null {
  if (!result || typeof result !== 'object') return null;
  const entries = summaryEntries(result);
  const { notes, warnings } = resultMessages(result);
  if (!entries.length && !notes.length && !warnings.length) return null;
  return h(
    'div',
    null,
    entries.length ? h('dl', { class: 'cw-kv' }, ...entries.flatMap(([label, value]) => [h('dt', null, label), h('dd', null, value)])) : null,
    notes.length ? h('ul', { class: 'cw-notes', 'data-role': 'import-notes' }, ...notes.map((n) => h('li', null, n))) : null,
    warnings.length ? h('ul', { class: 'cw-warnings' }, ...warnings.map((w) => h('li', null, w))) : null,
  );
}

export function mountImport(root: HTMLElement, config: ImportConfig): ImportPage {
  return new ImportPage(root, config);
}
