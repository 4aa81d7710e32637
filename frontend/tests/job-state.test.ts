import { describe, expect, it } from 'vitest';
import { displayEpoch, etaNow, foldProgress, initialState, jobProgress, reduce, type JobMessage, type JobState } from '../src/modules/job/state';
import { wsAbsoluteUrl } from '../src/modules/job';

const snapshot: JobMessage = {
  type: 'snapshot',
  seq: 10,
  job: {
    id: 42,
    status: 'running',
    created_at: '2024-05-01T10:00:00Z',
    config: { epochs: 10 },
    estimate_s: 600,
    folds: [
      {
        index: 1,
        status: 'queued',
        worker: null,
        device: null,
        epoch: null,
        epochs: 10,
        batch: null,
        batches: null,
        eta_s: null,
        error: null,
        specimens_train: ['cell-01', { name: 'cell-02' }],
        specimens_val: ['cell-03'],
        history: [],
      },
      {
        index: 0,
        status: 'running',
        worker: 'gpu1@host',
        device: 'cuda:0',
        epoch: 2,
        epochs: 10,
        batch: 3,
        batches: 12,
        eta_s: 100,
        error: null,
        specimens_train: ['cell-02', 'cell-03'],
        specimens_val: ['cell-01'],
        history: [
          { epoch: 2, train_loss: 0.5, val_loss: 0.55, val_dice: 0.7 },
          { epoch: 1, train_loss: 0.7, val_loss: 0.72, val_dice: 0.5 },
        ],
      },
    ],
    summary: null,
  },
};

function run(msgs: JobMessage[], start: JobState = initialState()): JobState {
  return msgs.reduce((s, m) => reduce(s, m, 1000), start);
}

describe('job reducer', () => {
  it('builds state from a snapshot', () => {
    const s = run([snapshot]);
    expect(s.id).toBe(42);
    expect(s.lastSeq).toBe(10);
    expect(s.folds.map((f) => f.index)).toEqual([0, 1]);
    expect(s.folds[0]!.history.map((p) => p.epoch)).toEqual([1, 2]);
    expect(s.folds[1]!.specimensTrain).toEqual(['cell-01', 'cell-02']);
    expect(s.hasSnapshot).toBe(true);
  });

  it("keeps an in-silico-labelling epoch's PCC beside its loss (no Dice)", () => {
    const s = run([snapshot, { type: 'epoch', fold: 0, epoch: 3, train_loss: 0.2, val_loss: 0.25, val_dice: null, val_pcc: 0.72, seq: 12 }]);
    expect(s.folds[0]!.history.at(-1)).toEqual({ epoch: 3, train_loss: 0.2, val_loss: 0.25, val_dice: null, val_pcc: 0.72 });
  });

  it('applies progress, epoch, fold and job events in order', () => {
    const s = run([
      snapshot,
      { type: 'progress', fold: 0, epoch: 3, epochs: 10, batch: 6, batches: 12, eta_s: 40.2, loss: 0.31, seq: 11 },
      { type: 'epoch', fold: 0, epoch: 3, train_loss: 0.3, val_loss: 0.35, val_dice: 0.81, seq: 12 },
      { type: 'fold_status', fold: 1, status: 'running', worker: 'gpu2@host', device: 'cpu (2 threads)', error: null, seq: 13 },
    ]);
    const f0 = s.folds[0]!;
    expect(f0.completed).toBe(3);
    expect(displayEpoch(f0)).toBe(4);
    expect(f0.loss).toBe(0.31);
    expect(f0.history.at(-1)).toEqual({ epoch: 3, train_loss: 0.3, val_loss: 0.35, val_dice: 0.81 });
    // Batch 6 of 12 in running epoch 3 sits halfway between epoch points 2 and 3.
    expect(f0.batchLoss).toEqual([[2.5, 0.31]]);
    expect(s.folds[1]!.status).toBe('running');
    expect(s.folds[1]!.device).toBe('cpu (2 threads)');
    expect(foldProgress(f0)).toBeCloseTo(0.3);
    expect(s.lastSeq).toBe(13);
  });

  it('ignores duplicate and out-of-order events by seq', () => {
    const a = run([snapshot, { type: 'epoch', fold: 0, epoch: 3, train_loss: 0.3, seq: 12 }]);
    const b = reduce(a, { type: 'epoch', fold: 0, epoch: 3, train_loss: 99, seq: 12 });
    expect(b).toBe(a);
    const c = reduce(a, { type: 'progress', fold: 0, epoch: 1, batch: 1, batches: 12, loss: 9, seq: 5 });
    expect(c).toBe(a);
    // Events older than the snapshot are dropped too.
    expect(reduce(run([snapshot]), { type: 'job_status', status: 'failed', seq: 9 }).status).toBe('running');
  });

  it('replaces an epoch point instead of duplicating it', () => {
    const s = run([
      snapshot,
      { type: 'epoch', fold: 0, epoch: 2, train_loss: 0.45, val_loss: 0.5, val_dice: 0.72 } as JobMessage,
    ]);
    expect(s.folds[0]!.history.filter((p) => p.epoch === 2)).toHaveLength(1);
    expect(s.folds[0]!.history.find((p) => p.epoch === 2)!.train_loss).toBe(0.45);
  });

  it('finishes with a summary', () => {
    const summary = { metrics: { dice: { mean: 0.85, std: 0.02, per_fold: [0.84, 0.86] } } };
    const s = run([
      snapshot,
      { type: 'fold_status', fold: 0, status: 'succeeded', seq: 20 },
      { type: 'fold_status', fold: 1, status: 'succeeded', seq: 21 },
      { type: 'job_status', status: 'succeeded', summary, seq: 22 },
    ]);
    expect(s.status).toBe('succeeded');
    expect(s.summary).toEqual(summary);
    expect(jobProgress(s)).toBe(1);
    expect(etaNow(s.folds[0]!, 5000)).toBeNull();
  });

  it('keeps batch points across a reconnect snapshot and resets seq', () => {
    const s1 = run([snapshot, { type: 'progress', fold: 0, epoch: 3, epochs: 10, batch: 6, batches: 12, loss: 0.3, seq: 30 }]);
    const s2 = reduce(s1, { ...snapshot, seq: 2 } as JobMessage);
    expect(s2.lastSeq).toBe(2);
    expect(s2.folds[0]!.batchLoss).toHaveLength(1);
    expect(reduce(s2, { type: 'job_status', status: 'cancelled', seq: 3 }).status).toBe('cancelled');
  });

  it('handles evaluation jobs with fold -1 or no fold', () => {
    let s = reduce(initialState(), { type: 'snapshot', job: { id: 7, status: 'queued', folds: [] } });
    s = reduce(s, { type: 'progress', batch: 3, batches: 12, eta_s: 20, seq: 1 });
    s = reduce(s, { type: 'progress', fold: -1, batch: 6, batches: 12, eta_s: 10, seq: 2 });
    expect(s.folds).toHaveLength(1);
    expect(s.folds[0]!.index).toBe(-1);
    expect(foldProgress(s.folds[0]!)).toBe(0.5);
    expect(s.status).toBe('running');
  });

  it('shows the status events of a job without folds on its single unit', () => {
    const snap: JobMessage = { type: 'snapshot', seq: 5, job: { id: 7, status: 'queued', folds: [{ index: -1, status: 'queued', batch: 0, batches: 12 }] } };
    let s = reduce(initialState(), snap);
    s = reduce(s, { kind: 'evaluation', id: 7, type: 'progress', progress: 0.5, batch: 6, batches: 12, seq: 6 } as JobMessage);
    expect(s.folds[0]!.status).toBe('running');
    s = reduce(s, { kind: 'evaluation', id: 7, type: 'job_status', status: 'failed', error: 'disk on fire', seq: 7 } as JobMessage);
    expect(s.status).toBe('failed');
    expect(s.folds[0]!.status).toBe('failed');
    expect(s.folds[0]!.error).toBe('disk on fire');
    // A training job's status never rewrites its folds.
    const training = reduce(run([snapshot]), { type: 'job_status', status: 'cancelled', seq: 99 });
    expect(training.folds.map((f) => f.status)).toEqual(run([snapshot]).folds.map((f) => f.status));
  });

  it('reads snapshot epochs as completed epochs and progress events as the running epoch', () => {
    const snap = (fold: Record<string, unknown>): JobMessage => ({ type: 'snapshot', seq: 1, job: { id: 1, status: 'running', folds: [{ index: 0, status: 'running', epochs: 4, ...fold }] } });
    let s = reduce(initialState(), snap({ epoch: 0, batch: null, batches: null }));
    expect(foldProgress(s.folds[0]!)).toBe(0);
    expect(displayEpoch(s.folds[0]!)).toBe(1);
    s = reduce(initialState(), snap({ epoch: 2, batch: 5, batches: 10 }));
    expect(foldProgress(s.folds[0]!)).toBeCloseTo(2.5 / 4);
    // batch == batches right after an epoch closed must not count an extra epoch.
    s = reduce(initialState(), snap({ epoch: 2, batch: 10, batches: 10 }));
    expect(foldProgress(s.folds[0]!)).toBeCloseTo(0.5);
    // A server-computed fraction wins until newer events arrive.
    s = reduce(initialState(), snap({ epoch: 2, batch: 10, batches: 10, progress: 0.7 }));
    expect(foldProgress(s.folds[0]!)).toBeCloseTo(0.7);
    s = reduce(s, { type: 'progress', fold: 0, epoch: 4, epochs: 4, batch: 5, batches: 10, loss: 1, seq: 2 });
    expect(foldProgress(s.folds[0]!)).toBeCloseTo(3.5 / 4);
    expect(s.folds[0]!.batchLoss[0]![0]).toBeCloseTo(3.5);
    s = reduce(s, { type: 'epoch', fold: 0, epoch: 4, epochs: 4, train_loss: 1, seq: 3 });
    expect(foldProgress(s.folds[0]!)).toBe(1);
    expect(displayEpoch(s.folds[0]!)).toBe(4);
  });

  it('counts the ETA down between events and ignores junk', () => {
    const s = run([snapshot]);
    expect(etaNow(s.folds[0]!, 11_000)).toBeCloseTo(90);
    expect(reduce(s, { type: 'unknown', seq: 99 } as JobMessage)).toBe(s);
    expect(reduce(s, null as unknown as JobMessage)).toBe(s);
  });
});

describe('wsAbsoluteUrl', () => {
  it('matches the page scheme', () => {
    expect(wsAbsoluteUrl('/ws/jobs/42/', { protocol: 'https:', host: 'example.org' })).toBe('wss://example.org/ws/jobs/42/');
    expect(wsAbsoluteUrl('/ws/jobs/42/', { protocol: 'http:', host: 'localhost:8000' })).toBe('ws://localhost:8000/ws/jobs/42/');
    expect(wsAbsoluteUrl('wss://x/ws/', { protocol: 'http:', host: 'y' })).toBe('wss://x/ws/');
  });
});
