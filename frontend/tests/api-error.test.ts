import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/lib/api';

describe('ApiError', () => {
  it('reads the reason and the code of a 409 refused by the project state', () => {
    const body = { detail: 'This project has no active model: activate a model version.', code: 'no_active_model' };
    const err = new ApiError('http', 409, body, body.detail);
    expect(err.code).toBe('no_active_model');
    expect(err.detail).toBe(body.detail);
    expect(err.retryable).toBe(false);
  });

  it('has no code on a 400 or a body without one', () => {
    expect(new ApiError('http', 400, { detail: 'lo: A valid number is required.' }, 'x').code).toBeNull();
    expect(new ApiError('http', 409, null, 'newer').code).toBeNull();
  });
});
