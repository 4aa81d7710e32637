import { describe, expect, it } from 'vitest';
import { deletedText, followImport, type ImportFollow, openTarget, resultMessages, summaryEntries } from '../src/modules/import';

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
      ['Label-free sections', '16'],
    ];
    expect(summaryEntries(live)).toEqual(expected);
    expect(summaryEntries(stored)).toEqual(expected);
  });

  it('counts the label-free sections as the project page does, and the stain sections apart', () => {
    expect(summaryEntries({ sections_count: 8, stain_sections_count: 8 })).toEqual([
      ['Label-free sections', '8'],
      ['Stain sections', '8'],
    ]);
    expect(summaryEntries({ sections_count: 8, stain_sections_count: 0 })).toEqual([['Label-free sections', '8']]);
  });

  it('lists fields it does not know after those, by name', () => {
    expect(summaryEntries({ zeta_flag: true, sections_count: 3, alpha_note: 'x' })).toEqual([
      ['Label-free sections', '3'],
      ['alpha note', 'x'],
      ['zeta flag', 'true'],
    ]);
  });
});

describe('deletedText', () => {
  it('says that the imported specimen was deleted since, and nothing while it exists', () => {
    const result = { specimen_name: 'cellA' };
    expect(deletedText({ status: 'succeeded', specimen_deleted: true, specimen_url: null, result })).toBe(
      'Specimen “cellA” was deleted after this import, with its volumes and sections.',
    );
    expect(deletedText({ status: 'succeeded', specimen_deleted: false, specimen_url: '/specimens/4/', result })).toBeNull();
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

describe('a model import', () => {
  it('opens the stored version and lists its result in words', () => {
    const st = { status: 'succeeded', model_version: 7, version_url: '/projects/lab/models/#model-version-7' };
    expect(openTarget(st, null)).toEqual({ url: '/projects/lab/models/#model-version-7', label: 'Open model version 7', action: 'open-version' });
    expect(openTarget({ status: 'succeeded' }, '/specimens/3/')).toMatchObject({ label: 'Open the specimen' });
    expect(summaryEntries({ unverified: null, verified: 'test output reproduced: largest absolute difference 0', name: 'Unet16 · imported · lab B', model_version: 7 })).toEqual([
      ['Model version', '7'],
      ['Name', 'Unet16 · imported · lab B'],
      ['Verified', 'test output reproduced: largest absolute difference 0'],
    ]);
  });
});
