/**
 * Pure reducer for the live job page: folds the snapshot and the WebSocket
 * event stream into one state object. Events carry a `seq`; anything at or
 * below the last applied seq is a duplicate (e.g. replayed after reconnect)
 * and is ignored. A snapshot replaces the state and resets the sequence.
 *
 * Epoch numbers follow the backend's conventions:
 *   - snapshot fold `epoch`: epochs completed so far (0 … epochs);
 *   - `progress` event `epoch`: the running epoch, counted from 1;
 *   - `epoch` event and history `epoch`: the epoch just completed, from 1.
 * Curves put epoch e at x = e and the batches of epoch e between e-1 and e.
 */

export type Status = string;

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'canceled', 'error']);

export interface EpochPoint {
  epoch: number;
  train_loss?: number | null;
  val_loss?: number | null;
  val_dice?: number | null;
}

export interface FoldState {
  index: number;
  /** Display name from the server (e.g. "fold 1", "final model"), if any. */
  label: string | null;
  /** "cv" for cross-validation folds, "final" for a model trained on everything, … */
  kind: string | null;
  status: Status;
  worker: string | null;
  device: string | null;
  /** Epochs completed. */
  completed: number | null;
  /** Fraction (0..1) of the running epoch that is done. */
  epochFraction: number;
  /** Server-computed fraction of the whole fold, when the snapshot has one; cleared by newer events. */
  serverProgress: number | null;
  epochs: number | null;
  batch: number | null;
  batches: number | null;
  etaS: number | null;
  /** Client time (ms) at which etaS was reported, to count it down between events. */
  etaAt: number | null;
  loss: number | null;
  error: string | null;
  specimensTrain: string[];
  specimensVal: string[];
  history: EpochPoint[];
  /** Batch-level training loss: [x in epochs, loss]. */
  batchLoss: [number, number][];
}

export interface MetricSummary {
  mean?: number | null;
  std?: number | null;
  per_fold?: (number | null)[];
}

export interface JobSummary {
  metrics?: Record<string, MetricSummary>;
  [k: string]: unknown;
}

export interface JobState {
  id: number | string | null;
  status: Status;
  createdAt: string | null;
  config: Record<string, unknown> | null;
  estimateS: number | null;
  folds: FoldState[];
  summary: JobSummary | null;
  lastSeq: number;
  hasSnapshot: boolean;
}

export interface SnapshotFold {
  index: number;
  status?: Status;
  worker?: string | null;
  device?: string | null;
  epoch?: number | null;
  epochs?: number | null;
  batch?: number | null;
  batches?: number | null;
  progress?: number | null;
  eta_s?: number | null;
  error?: string | null;
  loss?: number | null;
  label?: string | null;
  kind?: string | null;
  specimens_train?: unknown[];
  specimens_val?: unknown[];
  history?: EpochPoint[];
}

export interface JobSnapshot {
  id?: number | string;
  status?: Status;
  created_at?: string | null;
  config?: Record<string, unknown> | null;
  estimate_s?: number | null;
  folds?: SnapshotFold[];
  summary?: JobSummary | null;
  seq?: number;
}

export type JobMessage =
  | { type: 'snapshot'; job: JobSnapshot; seq?: number }
  | { type: 'progress'; fold?: number | null; epoch?: number; epochs?: number; batch?: number; batches?: number; eta_s?: number | null; loss?: number | null; seq?: number }
  | { type: 'epoch'; fold?: number | null; epoch: number; train_loss?: number | null; val_loss?: number | null; val_dice?: number | null; seq?: number }
  | { type: 'fold_status'; fold?: number | null; status: Status; worker?: string | null; device?: string | null; error?: string | null; seq?: number }
  | { type: 'job_status'; status: Status; summary?: JobSummary | null; seq?: number }
  | { type: string; seq?: number; [k: string]: unknown };

const MAX_BATCH_POINTS = 3000;

export function initialState(): JobState {
  return {
    id: null,
    status: 'queued',
    createdAt: null,
    config: null,
    estimateS: null,
    folds: [],
    summary: null,
    lastSeq: -1,
    hasSnapshot: false,
  };
}

function emptyFold(index: number): FoldState {
  return {
    index,
    label: null,
    kind: null,
    status: 'queued',
    worker: null,
    device: null,
    completed: null,
    epochFraction: 0,
    serverProgress: null,
    epochs: null,
    batch: null,
    batches: null,
    etaS: null,
    etaAt: null,
    loss: null,
    error: null,
    specimensTrain: [],
    specimensVal: [],
    history: [],
    batchLoss: [],
  };
}

function specimenName(s: unknown): string {
  if (typeof s === 'string' || typeof s === 'number') return String(s);
  if (s && typeof s === 'object') {
    const o = s as Record<string, unknown>;
    return String(o.name ?? o.label ?? o.id ?? '?');
  }
  return '?';
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Index used for evaluation jobs, whose events have fold -1 or none. */
export function foldIndex(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : -1;
}

export function reduce(state: JobState, msg: JobMessage, now = Date.now()): JobState {
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return state;
  if (msg.type === 'snapshot') return fromSnapshot(state, (msg as { job: JobSnapshot }).job ?? {}, msg.seq, now);

  const seq = num(msg.seq);
  if (seq !== null) {
    if (seq <= state.lastSeq) return state;
  }
  const next: JobState = { ...state, lastSeq: seq ?? state.lastSeq };
  const m = msg as Record<string, unknown>;

  const withFold = (fn: (f: FoldState) => FoldState): JobState => {
    const idx = foldIndex(m.fold);
    const folds = [...next.folds];
    let i = folds.findIndex((f) => f.index === idx);
    if (i < 0) {
      folds.push(emptyFold(idx));
      folds.sort((a, b) => a.index - b.index);
      i = folds.findIndex((f) => f.index === idx);
    }
    folds[i] = fn({ ...folds[i]! });
    next.folds = folds;
    return next;
  };

  switch (msg.type) {
    case 'progress': {
      const running = num(m.epoch);
      return withFold((f) => {
        if (running !== null) f.completed = Math.max(0, running - 1);
        f.epochs = num(m.epochs) ?? f.epochs;
        f.batch = num(m.batch) ?? f.batch;
        f.batches = num(m.batches) ?? f.batches;
        f.epochFraction = f.batch !== null && f.batches ? clamp01(f.batch / f.batches) : 0;
        f.serverProgress = null;
        if ('eta_s' in m) {
          f.etaS = num(m.eta_s);
          f.etaAt = now;
        }
        const loss = num(m.loss);
        if (loss !== null) {
          f.loss = loss;
          if (running !== null && f.batch !== null && f.batches) {
            f.batchLoss = appendPoint(f.batchLoss, [running - 1 + f.batch / f.batches, loss]);
          }
        }
        if (!TERMINAL.has(f.status) && f.status !== 'running') f.status = 'running';
        if (!TERMINAL.has(next.status)) next.status = 'running';
        return f;
      });
    }
    case 'epoch': {
      const epoch = num(m.epoch);
      if (epoch === null) return next;
      return withFold((f) => {
        const point: EpochPoint = { epoch, train_loss: num(m.train_loss), val_loss: num(m.val_loss), val_dice: num(m.val_dice) };
        const history = f.history.filter((p) => p.epoch !== epoch);
        history.push(point);
        history.sort((a, b) => a.epoch - b.epoch);
        f.history = history;
        f.completed = Math.max(f.completed ?? 0, epoch);
        f.epochs = num(m.epochs) ?? f.epochs;
        f.epochFraction = 0;
        f.serverProgress = null;
        return f;
      });
    }
    case 'fold_status':
      return withFold((f) => {
        if (typeof m.status === 'string') f.status = m.status;
        if ('worker' in m) f.worker = (m.worker as string | null) ?? null;
        if ('device' in m) f.device = (m.device as string | null) ?? null;
        if ('error' in m) f.error = (m.error as string | null) ?? null;
        return f;
      });
    case 'job_status':
      if (typeof m.status === 'string') next.status = m.status;
      if ('summary' in m) next.summary = (m.summary as JobSummary | null) ?? null;
      return next;
    default:
      return state;
  }
}

function fromSnapshot(prev: JobState, job: JobSnapshot, seq: number | undefined, now: number): JobState {
  const folds = (job.folds ?? []).map((sf) => {
    const f = emptyFold(foldIndex(sf.index));
    f.status = sf.status ?? 'queued';
    f.label = typeof sf.label === 'string' && sf.label ? sf.label : null;
    f.kind = typeof sf.kind === 'string' ? sf.kind : null;
    f.worker = sf.worker ?? null;
    f.device = sf.device ?? null;
    f.completed = num(sf.epoch);
    f.epochs = num(sf.epochs);
    f.batch = num(sf.batch);
    f.batches = num(sf.batches);
    // batch == batches is ambiguous in a snapshot (last batch done, or epoch just
    // closed); counting it as a fresh epoch never overstates progress.
    f.epochFraction = f.batch !== null && f.batches && f.batch < f.batches ? clamp01(f.batch / f.batches) : 0;
    f.serverProgress = num(sf.progress);
    f.etaS = num(sf.eta_s);
    f.etaAt = f.etaS !== null ? now : null;
    f.error = sf.error ?? null;
    f.loss = num(sf.loss);
    f.specimensTrain = (sf.specimens_train ?? []).map(specimenName);
    f.specimensVal = (sf.specimens_val ?? []).map(specimenName);
    f.history = [...(sf.history ?? [])].filter((p) => typeof p?.epoch === 'number').sort((a, b) => a.epoch - b.epoch);
    // Batch-level points are not part of the snapshot; keep what this page
    // already plotted so a reconnect does not wipe the curve.
    const old = prev.folds.find((o) => o.index === f.index);
    if (old) f.batchLoss = old.batchLoss;
    return f;
  });
  folds.sort((a, b) => a.index - b.index);
  return {
    id: job.id ?? prev.id,
    status: job.status ?? prev.status,
    createdAt: job.created_at ?? null,
    config: job.config ?? null,
    estimateS: num(job.estimate_s),
    folds,
    summary: job.summary ?? null,
    lastSeq: num(seq) ?? num(job.seq) ?? -1,
    hasSnapshot: true,
  };
}

function appendPoint(points: [number, number][], p: [number, number]): [number, number][] {
  // Replace a point at the same x (a replayed event) instead of duplicating it.
  const last = points[points.length - 1];
  let out = last && Math.abs(last[0] - p[0]) < 1e-9 ? [...points.slice(0, -1), p] : [...points, p];
  if (out.length > MAX_BATCH_POINTS) {
    // Thin older points so long runs stay cheap to draw.
    out = out.filter((_, i) => i % 2 === 0 || i === out.length - 1);
  }
  return out;
}

/** Fraction of the fold that is done, or null when unknown. */
export function foldProgress(f: FoldState): number | null {
  if (f.status === 'succeeded') return 1;
  if (f.serverProgress !== null) return clamp01(f.serverProgress);
  if (f.epochs && f.completed !== null) return clamp01((f.completed + f.epochFraction) / f.epochs);
  if (f.batches && f.batch !== null) return clamp01(f.batch / f.batches);
  return null;
}

/** The epoch to show as "epoch N of M": the running one, counted from 1. */
export function displayEpoch(f: FoldState): number | null {
  if (f.completed === null || !f.epochs) return null;
  if (TERMINAL.has(f.status) || f.completed >= f.epochs) return Math.min(f.completed, f.epochs);
  return f.completed + 1;
}

/** Remaining seconds, counted down since the last report. */
export function etaNow(f: FoldState, now = Date.now()): number | null {
  if (f.etaS === null) return null;
  if (TERMINAL.has(f.status)) return null;
  const elapsed = f.etaAt !== null ? (now - f.etaAt) / 1000 : 0;
  return Math.max(0, f.etaS - elapsed);
}

export function jobProgress(s: JobState): number | null {
  if (s.status === 'succeeded') return 1;
  const parts = s.folds.map((f) => foldProgress(f));
  if (!parts.length || parts.every((p) => p === null)) return null;
  return parts.reduce<number>((a, p) => a + (p ?? 0), 0) / parts.length;
}

function clamp01(v: number): number {
  return Math.max(0, Math.min(1, v));
}
