import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/lib/api';
import { dto, setup, useFakeClock } from './syncHarness';

/** Two tabs on one section: the other submitted it, this one still holds edits. The server
 * refuses every save of a submitted annotation (409 annotation_submitted) until it is reopened,
 * so "Keep mine" reopens it first instead of repeating the refused save. */

const SUBMITTED = 'You already submitted this annotation; reopen it to make changes.';

function refusedWhileSubmitted(opts: { reopen: () => unknown }) {
  let submitted = true;
  return setup((m, url) => {
    if (m === 'GET') return dto(2);
    if (url.endsWith('reopen/')) {
      const answer = opts.reopen();
      submitted = false;
      return answer;
    }
    if (submitted) throw new ApiError('http', 409, { detail: SUBMITTED, code: 'annotation_submitted', current: dto(3, { status: 'submitted', can_edit: false, can_reopen: true }) }, SUBMITTED);
    return dto(5);
  });
}

describe('AnnotationSync after a submit in another tab', () => {
  useFakeClock();

  it('keeps mine by reopening the submission, then saving this page’s mask as a draft over it', async () => {
    const { sync, calls } = refusedWhileSubmitted({ reopen: () => dto(4) });
    await sync.load();
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    expect(sync.phase).toBe('conflict');
    expect(sync.conflict?.status).toBe('submitted');
    await sync.keepMine();
    expect(calls.map((c) => c.method)).toEqual(['GET', 'PUT', 'POST', 'PUT']);
    expect(calls[2]!.url).toBe('/api/sections/12/annotations/mine/reopen/');
    expect(calls[3]!.body).toMatchObject({ base_revision: 4, mask_png: 'MASK', action: 'save' });
    expect(sync.phase).toBe('clean');
    expect(sync.conflict).toBeNull();
    expect(sync.status).toBe('draft');
    expect(sync.revision).toBe(5);
    expect(sync.dirty).toBe(false);
    expect(sync.state().reopenRefused).toBeNull();
  });

  it('stays in conflict, edits unsaved, and says why when the submission cannot be reopened', async () => {
    const why = 'rita confirmed this section; it no longer takes annotations.';
    const { sync, calls } = refusedWhileSubmitted({
      reopen: () => {
        throw new ApiError('http', 409, { detail: why, code: 'section_confirmed' }, why);
      },
    });
    await sync.load();
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    await sync.keepMine();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    expect(sync.phase).toBe('conflict');
    expect(sync.conflict?.status).toBe('submitted');
    expect(sync.state().reopenRefused).toBe(`Could not reopen your submission: ${why}`);
    expect(sync.dirty).toBe(true);
  });
});
