import { describe, expect, it } from 'vitest';
import { num } from '../src/lib/format';
import { tickLabels, ticks, yAxis } from '../src/modules/job/chart';
import { connIndicator, evaluateLink, hasValidation } from '../src/modules/job/derive';
import { initialState, reduce, type JobMessage, type JobState } from '../src/modules/job/state';
import { meanSd, objectsTable, summaryTables } from '../src/modules/job/summary';

const finished: JobMessage = {
  type: 'snapshot',
  seq: 5,
  job: {
    id: 3,
    status: 'running',
    folds: [
      { index: 0, kind: 'cv', label: 'fold 1', status: 'succeeded', epochs: 2, epoch: 2, specimens_train: ['a'], specimens_val: ['b'], history: [{ epoch: 1, train_loss: 0.9, val_loss: 0.8, val_dice: 0.4 }] },
      { index: 1, kind: 'final', label: 'final model', status: 'running', epochs: 2, epoch: 1, specimens_train: ['a', 'b'], specimens_val: [], history: [{ epoch: 1, train_loss: 0.9, val_loss: null, val_dice: null }] },
    ],
  },
};

function succeeded(): JobState {
  let s = reduce(initialState(), finished);
  s = reduce(s, { type: 'fold_status', fold: 1, status: 'succeeded', seq: 6 });
  return reduce(s, { type: 'job_status', status: 'succeeded', seq: 7, summary: null });
}

describe('a job page after success', () => {
  it('turns the Live dot off and reads Finished, though the socket is still open', () => {
    expect(connIndicator('live', 'running')).toEqual({ conn: 'live', text: 'Live' });
    const s = succeeded();
    expect(connIndicator('live', s.status)).toEqual({ conn: 'closed', text: 'Finished' });
    expect(connIndicator('reconnecting', 'failed').conn).toBe('closed');
  });

  it('offers "evaluate this model" only once the job has succeeded', () => {
    const url = '/projects/p/evaluations/?job=3&set_kind=cross_validation#evaluation-form';
    expect(evaluateLink(reduce(initialState(), finished), url)).toBeNull();
    expect(evaluateLink(succeeded(), url)).toBe(url);
    expect(evaluateLink(reduce(succeeded(), { type: 'snapshot', job: { status: 'failed', folds: [] } }), url)).toBeNull();
  });

  it('does not wait for the validation chart of a model trained on all the data', () => {
    const s = succeeded();
    expect(hasValidation(s.folds[0]!)).toBe(true);
    expect(hasValidation(s.folds[1]!)).toBe(false);
    // A fold known only from events (no split yet) may still get validation points.
    const early = reduce(initialState(), { type: 'epoch', fold: 0, epoch: 1, train_loss: 0.5, seq: 1 });
    expect(hasValidation(early.folds[0]!)).toBe(true);
  });
});

describe('loss chart y axis', () => {
  it('labels the whole range of the curve', () => {
    // The old axis stopped labelling at 0.5 while the loss reached 0.9.
    const axis = yAxis(0, 0.9);
    expect(Math.max(...axis.ticks)).toBeGreaterThanOrEqual(0.9);
    expect(axis.y1).toBeGreaterThanOrEqual(Math.max(...axis.ticks));
    for (const hi of [0.07, 0.33, 0.954, 1.7, 12.3]) {
      const a = yAxis(0, hi);
      expect(Math.max(...a.ticks)).toBeGreaterThanOrEqual(hi);
      expect(a.ticks.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('keeps a fixed top as it is (Dice 0–1)', () => {
    expect(yAxis(0, 1, { fixedTop: true })).toEqual({ y0: 0, y1: 1, ticks: ticks(0, 1, 4) });
  });
});

describe('cross-validation summary tables', () => {
  it('shows each subset under its own title with readable metric names', () => {
    const summary = {
      aggregation: "mean ± sample SD over the folds' means (each fold: mean over its held-out sections)",
      metrics: { dice: { label: 'Dice', mean: 0.75, std: 0.05, per_fold: [0.7, 0.8] } },
      subsets: {
        all: { label: 'all sections', sections: [10, 12], metrics: { dice: { label: 'Dice', mean: 0.75, std: 0.05, per_fold: [0.7, 0.8] }, f05: { mean: 0.7, std: 0, per_fold: [0.7, 0.7] } } },
        nucleus: { label: 'sections with a nucleus', sections: [4, 6], metrics: { dice: { label: 'Dice', mean: 0.6, std: 0.1, per_fold: [0.5, 0.7] } } },
      },
    };
    const tables = summaryTables(summary);
    expect(tables.map((t) => t.title)).toEqual(['all sections', 'sections with a nucleus']);
    expect(tables[1]!.sections).toEqual([4, 6]);
    expect(tables[0]!.rows.map((r) => r.label)).toEqual(['Dice', 'F0.5']);
    // PostgreSQL's jsonb reorders keys (f05 before dice): rows keep the paper's order.
    const reordered = summaryTables({ metrics: { f05: { mean: 1 }, auc_pr: { mean: 1 }, dice: { mean: 1 } } });
    expect(reordered[0]!.rows.map((r) => r.key)).toEqual(['dice', 'f05', 'auc_pr']);
    expect(tables[1]!.rows[0]!.m.mean).toBe(0.6);
  });

  it('reads an older summary without subsets as one table', () => {
    const tables = summaryTables({ metrics: { auc_pr: { mean: 0.8, std: 0.1, per_fold: [0.7, 0.9] } } });
    expect(tables).toHaveLength(1);
    expect(tables[0]!.rows[0]!.label).toBe('AUC-PR');
    expect(summaryTables(null)).toEqual([]);
  });
});

describe('a summary cell', () => {
  it('gives the mean alone where one value has no SD (null, or 0 stored over one fold)', () => {
    expect(meanSd({ mean: 0.75, std: 0.05, per_fold: [0.7, 0.8] })).toBe(`${num(0.75)} ± ${num(0.05)}`);
    expect(meanSd({ mean: 0.75, std: null, per_fold: [0.75] })).toBe(num(0.75));
    expect(meanSd({ mean: 0.75, std: 0, per_fold: [0.75, null] })).toBe(num(0.75));
    expect(meanSd({ mean: 0.75, std: 0, per_fold: [0.75, 0.75] })).toBe(`${num(0.75)} ± ${num(0)}`);
  });
});

describe('nuclei table', () => {
  it('names each object metric with its threshold, in a fixed order', () => {
    const t = objectsTable({
      metrics: { dice: { mean: 1 } },
      objects: {
        aggregation: 'mean ± sample SD over folds (each fold: counts pooled)',
        metrics: { map: { label: 'mAP (IoU 0.50:0.05:0.95)', mean: 0.4, std: 0.1, per_fold: [0.3, 0.5] }, f1_iou50: { label: 'Object F1 (IoU > 0.5)', mean: 0.8, std: 0, per_fold: [0.8, 0.8] } },
      },
    });
    expect(t!.rows.map((r) => r.label)).toEqual(['Object F1 (IoU > 0.5)', 'mAP (IoU 0.50:0.05:0.95)']);
    expect(t!.rows[1]!.m.per_fold).toEqual([0.3, 0.5]);
  });

  it('has no table for a job trained before nuclei were scored', () => {
    expect(objectsTable({ metrics: { dice: { mean: 0.9 } } })).toBeNull();
    expect(objectsTable(null)).toBeNull();
  });
});

describe('tick labels', () => {
  it('keeps the asked decimals where they tell the ticks apart', () => {
    expect(tickLabels([0, 0.5, 1], 1)).toEqual(['0.0', '0.5', '1.0']);
    expect(tickLabels([1.33, 1.34, 1.35], 4)).toEqual(['1.3300', '1.3400', '1.3500']);
  });

  it('adds decimals until ticks over a small range read differently', () => {
    const axis = yAxis(1.33705, 1.33712);
    const labels = tickLabels(axis.ticks, 4);
    expect(new Set(labels).size).toBe(axis.ticks.length);
    axis.ticks.forEach((t, i) => expect(Number(labels[i])).toBeCloseTo(t, 7));
    expect(labels[0]).toBe('1.33706');
  });
});
