import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/lib/api';
import { classifySaveFailure, emptyAnnotation, serverFields } from '../src/modules/annotator/answers';

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
