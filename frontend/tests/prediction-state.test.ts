import { describe, expect, it } from 'vitest';
import { comparisonLines, hasPoints, initialPredictionState, nucleusLines, reducePrediction, timeAxis, unmeasuredSpecimens } from '../src/modules/prediction/state';
import { nucleiCaption, nucleiOverlays } from '../src/modules/viewer/nuclei';
import { COMPARISON_TITLES, comparisonTitle } from '../src/modules/prediction/index';

const snapshot = { type: 'snapshot', job: { status: 'queued', seq: 3, batch: 0, batches: 24, message: '', error: null, summary: [] } };

describe('prediction state', () => {
  it('starts from the snapshot and drops events it already holds', () => {
    let s = reducePrediction(initialPredictionState(), snapshot);
    expect(s).toMatchObject({ status: 'queued', seq: 3, total: 24 });
    s = reducePrediction(s, { type: 'progress', seq: 3, batch: 8, batches: 24 });
    expect(s.done).toBe(0);
    s = reducePrediction(s, { type: 'progress', seq: 4, batch: 8, batches: 24, message: 'cell t0: section 8 of 8' });
    expect(s.done).toBe(8);
    expect(s.message).toContain('section 8');
  });

  it('collects finished volumes once each and ends with the status event', () => {
    const row = { volume: 7, specimen: 'cell', time_index: 0, n_nuclei: 2, total_volume_um3: 310 };
    let s = reducePrediction(initialPredictionState(), snapshot);
    s = reducePrediction(s, { type: 'progress', seq: 5, batch: 8, batches: 24, volume_done: row });
    s = reducePrediction(s, { type: 'progress', seq: 6, batch: 8, batches: 24, volume_done: row });
    expect(s.volumes).toEqual([row]);
    s = reducePrediction(s, { type: 'job_status', seq: 9, status: 'succeeded', error: null, summary: [row, { ...row, volume: 8, time_index: 1 }] });
    expect(s.status).toBe('succeeded');
    expect(s.done).toBe(24);
    expect(s.volumes).toHaveLength(2);
  });
});

describe('prediction charts', () => {
  const series = [
    { specimen: 'cell', nucleus: 1, colour: '#e6194b', points: [{ t: 0, volume_um3: 300 }, { t: 1, volume_um3: 320 }, { t: 2, volume_um3: null }] },
    { specimen: 'cell', nucleus: 3, parent: 1, colour: '#3cb44b', points: [{ t: 2, volume_um3: 150 }] },
  ];

  it('draws one line per tracked nucleus, skipping missing values, naming the parent of a daughter', () => {
    const lines = nucleusLines(series, 'volume_um3');
    expect(lines.map((l) => l.name)).toEqual(['cell #1', 'cell #3 (from #1)']);
    expect(lines[0]!.points).toEqual([
      [0, 300],
      [1, 320],
    ]);
    expect(lines[1]!.colour).toBe('#3cb44b');
  });

  it('leaves a specimen measured nowhere out of the chart and its legend, and names it', () => {
    const unmeasured = [{ specimen: 'no-voxel-size', nucleus: 1, colour: '#e6194b', points: [{ t: 0, volume_um3: null, mean_ri: 1.36 }] }];
    const both = [...series, ...unmeasured];
    expect(nucleusLines(both, 'volume_um3').map((l) => l.name)).toEqual(['cell #1', 'cell #3 (from #1)']);
    expect(unmeasuredSpecimens(both, 'volume_um3')).toEqual(['no-voxel-size']);
    expect(nucleusLines(both, 'mean_ri').map((l) => l.name)).toEqual(['no-voxel-size #1']);
    expect(unmeasuredSpecimens(series, 'volume_um3')).toEqual([]);
  });

  it('draws the mean of each group with thin lines at one SD either side', () => {
    const lines = comparisonLines({ quantity: 'volume_um3', groups: { LPS: [{ t: 0, mean: 10, sd: 2, n: 3 }], control: [{ t: 0, mean: 8, sd: 1, n: 3 }] } });
    expect(lines.map((l) => l.name)).toEqual(['LPS (mean)', 'LPS − SD', 'LPS + SD', 'control (mean)', 'control − SD', 'control + SD']);
    expect(lines[1]!.points).toEqual([[0, 8]]);
    expect(lines[2]!.style).toBe('thin');
  });

  it('titles each comparison chart with what its mean and SD are taken over', () => {
    for (const title of Object.values(COMPARISON_TITLES)) expect(title).toMatch(/mean ± SD over the group’s nuclei$/);
  });

  it('says in the title whether nuclei cut by the field edge are in the means', () => {
    const groups = { LPS: [{ t: 0, mean: 10, sd: 2, n: 3 }] };
    expect(comparisonTitle('area_um2', { quantity: 'area_um2', groups, edge_nuclei_included: false })).toBe(
      'Nucleus area (µm²), mean ± SD over the group’s nuclei away from the field’s edge',
    );
    expect(comparisonTitle('area_um2', { quantity: 'area_um2', groups, edge_nuclei_included: true })).toMatch(/\(edge nuclei included\)$/);
    expect(comparisonTitle('area_um2', { quantity: 'area_um2', groups })).toBe(COMPARISON_TITLES.area_um2);
  });

  it('draws no SD where a group has a single nucleus (its SD is null, not zero)', () => {
    const points = [{ t: 0, mean: 10, sd: 2, n: 3 }, { t: 1, mean: 12, sd: null, n: 1 }];
    const lines = comparisonLines({ quantity: 'volume_um3', groups: { LPS: points } });
    expect(lines[0]!.points).toEqual([[0, 10], [1, 12]]);
    expect(lines[1]!.points).toEqual([[0, 8]]);
    expect(lines[2]!.points).toEqual([[0, 12]]);
  });

  it('puts time in minutes on the x-axis where every point has it, else the time point index', () => {
    const timed = [{ specimen: 'cell', nucleus: 1, points: [{ t: 1, time_min: 5, volume_um3: 300 }, { t: 10, time_min: 50, volume_um3: 320 }] }];
    const axis = timeAxis(timed.flatMap((s) => s.points));
    expect(axis.label).toBe('time (min)');
    expect(nucleusLines(timed, 'volume_um3', axis)[0]!.points).toEqual([[5, 300], [50, 320]]);
    const groups = { LPS: [{ t: 2, time_min: 1, mean: 10, sd: 2, n: 3 }] };
    expect(comparisonLines({ quantity: 'volume_um3', groups }, timeAxis(groups.LPS))[0]!.points).toEqual([[1, 10]]);
    // One specimen without a frame interval: the index for all, as before.
    const mixed = [...timed[0]!.points, { t: 3, time_min: null }];
    expect(timeAxis(mixed).label).toBe('time point');
    expect(timeAxis(series.flatMap((s) => s.points)).label).toBe('time point');
  });
});

describe('viewer model contours', () => {
  it('gives one coloured overlay per nucleus and says when there is no prediction', () => {
    const found = { prediction: 4, model_version: 2, nuclei: [{ id: 5, colour: '#4363d8', contours: [[[1, 1], [4, 1], [4, 4]]] }] };
    expect(nucleiOverlays(found)).toEqual([{ name: 'nucleus-5', colour: '#4363d8', contours: found.nuclei[0]!.contours, lineWidth: 2 }]);
    expect(nucleiCaption(found)).toBe('1 nucleus on this section · prediction 4');
    expect(nucleiCaption({ prediction: null, model_version: null, nuclei: [] })).toMatch(/No prediction/);
  });
});

describe('charts without data', () => {
  it('leaves out a quantity no nucleus has: areas of a stack, volumes of a single-section field', () => {
    const stack = [{ specimen: 'cell', nucleus: 1, points: [{ t: 0, volume_um3: 300, area_um2: null }] }];
    const field = [{ specimen: 'phase', nucleus: 2, points: [{ t: 0, volume_um3: null, area_um2: 80.5 }, { t: 1, area_um2: 82 }] }];
    expect(hasPoints(nucleusLines(stack, 'volume_um3'))).toBe(true);
    expect(hasPoints(nucleusLines(stack, 'area_um2'))).toBe(false);
    expect(hasPoints(nucleusLines(field, 'volume_um3'))).toBe(false);
    expect(nucleusLines(field, 'area_um2')[0]!.points).toEqual([[0, 80.5], [1, 82]]);
    expect(hasPoints(comparisonLines({ quantity: 'area_um2', groups: { LPS: [], control: [] } }))).toBe(false);
  });
});
