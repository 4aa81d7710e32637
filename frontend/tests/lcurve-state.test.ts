import { describe, expect, it } from 'vitest';
import { initialCurveState, reduceCurve } from '../src/modules/lcurve/state';

const snapshot = {
  type: 'snapshot',
  job: { status: 'running', seq: 5, progress: 0.25, total_points: 4, message: '1 of 4 points', error: null, points: [{ start: 'scratch', n: 1, seed: 0, dice: 0.4 }] },
};

describe('learning-curve state', () => {
  it('takes the snapshot, then adds each finished point once and drops stale events', () => {
    let s = reduceCurve(initialCurveState(), snapshot);
    expect(s).toMatchObject({ status: 'running', seq: 5, total: 4, progress: 0.25 });
    const point = { start: 'pretrained', n: 1, seed: 0, dice: 0.7 };
    s = reduceCurve(s, { type: 'progress', seq: 6, progress: 0.5, point });
    s = reduceCurve(s, { type: 'progress', seq: 7, progress: 0.5, point });
    expect(s.points).toHaveLength(2);
    expect(reduceCurve(s, { type: 'progress', seq: 6, progress: 0.9 })).toBe(s);
    s = reduceCurve(s, { type: 'job_status', seq: 8, status: 'succeeded', error: null });
    expect(s).toMatchObject({ status: 'succeeded', progress: 1 });
  });
});
