import { describe, expect, it } from 'vitest';
import { cancelBody, REASON_MAX } from '../src/modules/job/cancelAsk';
import { followImport } from '../src/modules/import';
import { initialState, reduce } from '../src/modules/job/state';
import { initialCurveState, reduceCurve } from '../src/modules/lcurve/state';

const note = 'Cancelled by mona at 2026-12-07 09:12 UTC — wrong snapshot';

describe('who cancelled a job, and why', () => {
  it('sends the reason trimmed, and nothing when it is blank', () => {
    expect(cancelBody('  wrong snapshot \n')).toEqual({ reason: 'wrong snapshot' });
    expect(cancelBody('   ')).toEqual({});
    expect(cancelBody('x'.repeat(REASON_MAX + 20)).reason).toHaveLength(REASON_MAX);
  });

  it('keeps the line of a training or evaluation page from its snapshot and status events', () => {
    let s = reduce(initialState(), { type: 'snapshot', seq: 3, job: { id: 1, status: 'running', cancel_note: 'Cancel requested by mona at 2026-12-07 09:12 UTC' } });
    expect(s.cancelNote).toBe('Cancel requested by mona at 2026-12-07 09:12 UTC');
    s = reduce(s, { type: 'job_status', seq: 4, status: 'cancelled', cancel_note: note });
    expect(s).toMatchObject({ status: 'cancelled', cancelNote: note });
    // An event without the field (an older server) leaves the line as it was.
    expect(reduce(s, { type: 'job_status', seq: 5, status: 'cancelled' }).cancelNote).toBe(note);
    expect(reduce(initialState(), { type: 'snapshot', job: { status: 'queued' } }).cancelNote).toBeNull();
  });

  it('keeps the line of a results page and of an import', () => {
    let c = reduceCurve(initialCurveState(), { type: 'snapshot', job: { status: 'running', seq: 1, total_points: 2, cancel_note: null } });
    expect(c.cancelNote).toBeNull();
    c = reduceCurve(c, { type: 'job_status', seq: 2, status: 'cancelled', error: null, cancel_note: note });
    expect(c).toMatchObject({ status: 'cancelled', cancelNote: note });
    const i = followImport({ status: { status: 'queued' }, lastSeq: 0 }, { type: 'job_status', seq: 1, status: 'cancelled', cancel_note: note });
    expect(i.status).toMatchObject({ status: 'cancelled', cancel_note: note });
  });
});
