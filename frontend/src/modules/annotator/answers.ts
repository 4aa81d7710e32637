/**
 * What the annotation endpoint's answers mean for the sync (saveLoop.ts, sync.ts): the
 * fields a DTO sets, and what a failed save asks for. A 409 carries the newer
 * server copy and stops autosave until the user chooses, or says that a
 * reviewer confirmed or excluded the section meanwhile; network errors, 5xx
 * and 429 are retried with backoff; other 4xx cannot succeed by retrying.
 */

import { ApiError, TIMED_OUT } from '../../lib/api';
import type { AnnotationDto, AnnotationStatus } from './types';

/** The answer for "no annotation of mine yet" (and a 409 without a body). */
export function emptyAnnotation(): AnnotationDto {
  return { revision: null, status: null, mask_png: null };
}

export interface ServerFields {
  revision: number | null;
  status: AnnotationStatus;
  canEdit: boolean;
  canReopen: boolean;
  updatedAt: string | null;
}

/** The sync's view of the server copy, with the defaults of an absent field. */
export function serverFields(dto: AnnotationDto): ServerFields {
  return {
    revision: dto.revision ?? null,
    status: dto.status ?? null,
    canEdit: dto.can_edit ?? true,
    canReopen: dto.can_reopen ?? false,
    updatedAt: dto.updated_at ?? null,
  };
}

/** 409 codes of a section a reviewer took out of annotation (confirmed, excluded) while the page was open. */
const LOCKED_CODES = new Set(['section_confirmed', 'section_excluded']);

export type SaveFailure =
  | { kind: 'conflict'; current: AnnotationDto; detail: string }
  /** The section was confirmed or excluded meanwhile: `detail` says by whom, when and why. */
  | { kind: 'locked'; current: AnnotationDto; detail: string }
  /** `httpStatus`: the server's 5xx or 429, or null when no answer came: 0 when the request
   * ran past its time limit (a slow server), null when it never reached one (network). */
  | { kind: 'retry'; httpStatus: number | null; detail: string }
  | { kind: 'refused'; detail: string };

export function classifySaveFailure(err: unknown): SaveFailure {
  const apiErr = err instanceof ApiError ? err : null;
  if (apiErr && apiErr.status === 409) {
    const current = (apiErr.data as { current?: AnnotationDto } | null)?.current ?? null;
    const kind = LOCKED_CODES.has(apiErr.code ?? '') ? 'locked' : 'conflict';
    return { kind, current: current ?? emptyAnnotation(), detail: apiErr.detail };
  }
  if (apiErr?.code === 'not_signed_in') {
    return { kind: 'refused', detail: 'you are signed out. Sign in again in another tab (this page keeps your edits), then press Try again' };
  }
  if (!apiErr || apiErr.retryable) {
    // lib/api.ts throws a 5xx as kind 'network' (retryable) with its status; 0: no answer.
    const httpStatus = apiErr && (apiErr.status > 0 || apiErr.message === TIMED_OUT) ? apiErr.status : null;
    return { kind: 'retry', httpStatus, detail: apiErr?.detail ?? (err as Error)?.message ?? 'Network error' };
  }
  return { kind: 'refused', detail: apiErr.detail };
}

/**
 * The status line while a save waits for its retry. "Offline" only when the browser says it has
 * no network (`browserOnline` false); a request that reached no server while the browser is
 * online found the server down or restarting, and says so. One that answered 500 or 429, or
 * answered too late, is named as such, so nobody looks for a network fault.
 */
export function retryText(httpStatus: number | null, seconds: number, pendingSubmit: boolean, browserOnline = false): string {
  const what =
    httpStatus === null
      ? browserOnline
        ? 'Not saved — the server cannot be reached (down or restarting)'
        : 'Offline'
      : httpStatus === 0
        ? 'Not saved — the server did not answer in time'
        : `Not saved — the server ${httpStatus === 429 ? 'is busy' : 'failed'} (HTTP ${httpStatus})`;
  return `${what} — retrying in ${seconds} s, your edits are kept in this page${pendingSubmit ? ' (submit pending)' : ''}`;
}
