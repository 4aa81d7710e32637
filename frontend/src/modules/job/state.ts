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
 *
 * Events without `fold` belong to the job itself; a job without folds (an
 * evaluation) shows them on its single unit, index -1.
 */

import { TERMINAL, type EpochPoint, type FoldState, type JobMessage, type JobSnapshot, type JobState, type JobSummary } from './types';

export * from './types';
export { displayEpoch, etaNow, foldProgress, jobProgress } from './derive';

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
    cancelNote: null,
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

/** The unit an event is about: its fold, or -1 for the job itself (no fold). */
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
        // In-silico labelling validates by the stain's PCC; segmentation events carry none.
        if (m.val_pcc !== undefined) point.val_pcc = num(m.val_pcc);
        // A job with several classes: each class's Dice, in class order.
        if (Array.isArray(m.val_per_class_dice)) point.val_per_class_dice = m.val_per_class_dice.map((v: unknown) => num(v));
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
    case 'job_status': {
      if (typeof m.status === 'string') next.status = m.status;
      if ('summary' in m) next.summary = (m.summary as JobSummary | null) ?? null;
      if ('cancel_note' in m) next.cancelNote = typeof m.cancel_note === 'string' ? m.cancel_note : null;
      // A job without folds is shown as one unit (index -1) that follows the job's own status.
      const unit = next.folds.findIndex((f) => f.index === -1);
      if (unit >= 0) {
        const folds = [...next.folds];
        const f = { ...folds[unit]!, status: next.status };
        if ('error' in m) f.error = (m.error as string | null) ?? null;
        folds[unit] = f;
        next.folds = folds;
      }
      return next;
    }
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
    cancelNote: typeof job.cancel_note === 'string' ? job.cancel_note : null,
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

function clamp01(v: number): number {
  return Math.max(0, Math.min(1, v));
}
