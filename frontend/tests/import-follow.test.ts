import { describe, expect, it } from 'vitest';
import { followImport, type ImportFollow, resultMessages, summaryEntries } from '../src/modules/import';

const start: ImportFollow = { status: null, lastSeq: -1 };

describe('followImport', () => {
  it('starts from the snapshot and applies newer progress and status events', () => {
    let s = followImport(start, { type: 'snapshot', job: { status: 'queued', progress: 0, message: 'Waiting for a worker', seq: 10 } });
    expect(s.lastSeq).toBe(10);
    s = followImport(s, { kind: 'import', id: 3, type: 'progress', progress: 0.4, message: 'Reading the RI stack (1/2)', seq: 11 });
    expect(s.status).toMatchObject({ status: 'running', progress: 0.4, message: 'Reading the RI stack (1/2)' });
    s = followImport(s, { kind: 'import', id: 3, type: 'job_status', status: 'succeeded', progress: 1, result: { sections_count: 4 }, seq: 12 });
    expect(s.status).toMatchObject({ status: 'succeeded', progress: 1, result: { sections_count: 4 } });
    expect(s.lastSeq).toBe(12);
  });

  it('ignores events the snapshot already holds, and progress after the end', () => {
    let s = followImport(start, { type: 'snapshot', job: { status: 'running', progress: 0.7, seq: 20 } });
    const same = followImport(s, { type: 'progress', progress: 0.2, seq: 19 });
    expect(same).toBe(s);
    s = followImport(s, { type: 'job_status', status: 'failed', error: 'NaN or infinity', seq: 21 });
    s = followImport(s, { type: 'progress', progress: 0.9, seq: 22 });
    expect(s.status).toMatchObject({ status: 'failed', error: 'NaN or infinity' });
  });
});

describe('summaryEntries', () => {
  it('labels the importer summary in one order, whatever order the stored result keeps', () => {
    const live = { specimen_name: 'cellA', volumes_created: 1, time_points_count: 2, sections_count: 16, specimen: { id: 1 }, warnings: [] };
    const stored = { sections_count: 16, specimen_name: 'cellA', volumes_created: 1, time_points_count: 2, specimen: { id: 1 }, warnings: [] };
    const expected = [
      ['Specimen', 'cellA'],
      ['Volumes', '1'],
      ['Time points', '2'],
      ['Sections', '16'],
    ];
    expect(summaryEntries(live)).toEqual(expected);
    expect(summaryEntries(stored)).toEqual(expected);
  });

  it('lists fields it does not know after those, by name', () => {
    expect(summaryEntries({ zeta_flag: true, sections_count: 3, alpha_note: 'x' })).toEqual([
      ['Sections', '3'],
      ['alpha note', 'x'],
      ['zeta flag', 'true'],
    ]);
  });
});

describe('resultMessages', () => {
  it('keeps the notes apart from the warnings, so that a note is not shown as a warning', () => {
    const picked = 'Channels picked by their names in the file: Phase (label-free), Hoechst (stain).';
    const resampled = 'The stain was resampled onto the tomogram\'s grid.';
    expect(resultMessages({ notes: [picked], warnings: [resampled] })).toEqual({ notes: [picked], warnings: [resampled] });
    expect(resultMessages({ warnings: [resampled, 3] })).toEqual({ notes: [], warnings: [resampled] });
    expect(resultMessages({ notes: 'not a list' })).toEqual({ notes: [], warnings: [] });
  });
});
