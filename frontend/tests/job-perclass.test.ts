import { describe, expect, it } from 'vitest';
import { classNames, perClassCount, perClassSeries } from '../src/modules/job/perclass';
import { initialState, reduce, type JobMessage } from '../src/modules/job/state';

const snapshot: JobMessage = {
  type: 'snapshot',
  seq: 1,
  job: {
    id: 9,
    status: 'running',
    config: { epochs: 3, classes: 'all', class_values: [1, 2] },
    folds: [
      {
        index: 0,
        kind: 'cv',
        status: 'running',
        epochs: 3,
        epoch: 1,
        history: [{ epoch: 1, train_loss: 0.9, val_loss: 0.8, val_dice: 0.65, val_per_class_dice: [0.6, 0.7] }],
      },
    ],
  },
};

describe('per-class validation Dice on the training page', () => {
  it('draws one curve per class from the snapshot and the live epoch events', () => {
    let s = reduce(initialState(), snapshot);
    s = reduce(s, { type: 'epoch', fold: 0, epoch: 2, epochs: 3, train_loss: 0.5, val_loss: 0.4, val_dice: 0.8, val_per_class_dice: [0.75, null], seq: 2 });
    const history = s.folds[0]!.history;
    expect(perClassCount(history)).toBe(2);
    const names = classNames(s.config, 2);
    expect(names).toEqual(['class 1', 'class 2']);
    const series = perClassSeries(history, names);
    expect(series.map((c) => c.name)).toEqual(['class 1 Dice', 'class 2 Dice']);
    expect(series[0]!.points).toEqual([
      [1, 0.6],
      [2, 0.75],
    ]);
    // An epoch whose class had no finite Dice leaves a gap, not a zero.
    expect(series[1]!.points).toEqual([[1, 0.7]]);
    expect(new Set(series.map((c) => c.colour)).size).toBe(2);
  });

  it('names the classes from the job configuration when it lists them', () => {
    expect(classNames({ classes: ['nucleus', 'cytoplasm'], class_values: [1, 2] }, 2)).toEqual(['nucleus', 'cytoplasm']);
    expect(classNames(null, 3)).toEqual(['class 1', 'class 2', 'class 3']);
  });

  it('draws nothing per class for a one-class job', () => {
    const history = [{ epoch: 1, train_loss: 0.9, val_loss: 0.8, val_dice: 0.5 }];
    expect(perClassCount(history)).toBe(0);
    expect(perClassSeries(history, [])).toEqual([]);
  });
});
