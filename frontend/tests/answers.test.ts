import { describe, expect, it } from 'vitest';
import { ApiError, TIMED_OUT } from '../src/lib/api';
import { classifySaveFailure, emptyAnnotation, retryText, serverFields } from '../src/modules/annotator/answers';

describe('classifySaveFailure', () => {
  it('keeps the newer server copy of a 409', () => {
    const current = { revision: 4, status: 'draft' as const, mask_png: 'x' };
    const failure = classifySaveFailure(new ApiError('http', 409, { current, detail: 'newer' }, 'newer'));
    expect(failure).toMatchObject({ kind: 'conflict', current });
  });

  it('stands in an empty annotation when a 409 carries none', () => {
    const failure = classifySaveFailure(new ApiError('http', 409, null, 'newer'));
    expect(failure.kind === 'conflict' && failure.current).toEqual(emptyAnnotation());
  });

  it('retries network errors, 5xx and 429 but not other 4xx', () => {
    expect(classifySaveFailure(new TypeError('offline')).kind).toBe('retry');
    expect(classifySaveFailure(new ApiError('network', 0, null, 'down')).kind).toBe('retry');
    expect(classifySaveFailure(new ApiError('http', 503, null, 'busy')).kind).toBe('retry');
    expect(classifySaveFailure(new ApiError('http', 429, null, 'slow down')).kind).toBe('retry');
    expect(classifySaveFailure(new ApiError('http', 403, null, 'forbidden')).kind).toBe('refused');
  });

  it('asks a signed-out user to sign in again, edits kept, rather than quote the server', () => {
    const body = { detail: 'Authentication credentials were not provided.', code: 'not_signed_in' };
    const failure = classifySaveFailure(new ApiError('http', 403, body, body.detail));
    expect(failure).toEqual({ kind: 'refused', detail: 'you are signed out. Sign in again in another tab (this page keeps your edits), then press Try again' });
  });
});

describe('a save waiting for its retry', () => {
  it('says Offline only when no answer came, and names a server that answered 500 or 429', () => {
    // As lib/api.ts throws them: a 5xx is kind 'network' with its status, no answer is status 0.
    const server500 = classifySaveFailure(new ApiError('network', 500, { detail: '<h1>Server Error</h1>' }, 'x'));
    const busy = classifySaveFailure(new ApiError('http', 429, null, 'slow down'));
    const down = classifySaveFailure(new ApiError('network', 0, null, 'down'));
    const status = (f: ReturnType<typeof classifySaveFailure>) => (f.kind === 'retry' ? f.httpStatus : -1);
    expect(retryText(status(server500), 4, false)).toBe('Not saved — the server failed (HTTP 500) — retrying in 4 s, your edits are kept in this page');
    expect(retryText(status(busy), 2, true)).toBe('Not saved — the server is busy (HTTP 429) — retrying in 2 s, your edits are kept in this page (submit pending)');
    expect(retryText(status(down), 1, false)).toBe('Offline — retrying in 1 s, your edits are kept in this page');
    expect(retryText(status(classifySaveFailure(new TypeError('Failed to fetch'))), 1, false)).toMatch(/^Offline/);
    // The browser has its network: the server is down or restarting, not the annotator's Wi-Fi.
    expect(retryText(status(down), 3, false, true)).toBe('Not saved — the server cannot be reached (down or restarting) — retrying in 3 s, your edits are kept in this page');
    const slow = classifySaveFailure(new ApiError('network', 0, null, TIMED_OUT));
    expect(retryText(status(slow), 8, false)).toBe('Not saved — the server did not answer in time — retrying in 8 s, your edits are kept in this page');
  });
});

describe('serverFields', () => {
  it('fills absent fields with editable defaults', () => {
    expect(serverFields(emptyAnnotation())).toEqual({
      revision: null,
      status: null,
      canEdit: true,
      canReopen: false,
      updatedAt: null,
    });
  });
});
