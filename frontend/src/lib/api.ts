/**
 * JSON over fetch with Django's CSRF header. Failures are classified so callers
 * can decide whether to retry: `network` (no response, timeout, 5xx) is
 * retryable, `http` (4xx) needs a user decision.
 */

let csrfToken = '';

export function setCsrfToken(token: string | undefined | null): void {
  csrfToken = token ?? '';
}

function cookieToken(): string {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m?.[1] ? decodeURIComponent(m[1]) : '';
}

/** The message of the error a request that ran past its time limit throws (status 0, kind 'network'). */
export const TIMED_OUT = 'The server did not answer in time';

export class ApiError extends Error {
  constructor(
    readonly kind: 'network' | 'http',
    readonly status: number,
    readonly data: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get retryable(): boolean {
    return this.kind === 'network' || this.status >= 500 || this.status === 429;
  }

  /** A 409's machine-readable reason (`no_active_model`, `stale_ground_truth`, ...), else null. */
  get code(): string | null {
    const d = this.data as { code?: unknown } | null;
    return d && typeof d === 'object' && typeof d.code === 'string' ? d.code : null;
  }

  get detail(): string {
    const d = this.data as { detail?: unknown } | null;
    if (d && typeof d === 'object' && typeof d.detail === 'string') return d.detail;
    return this.message;
  }
}

export interface RequestOptions {
  body?: unknown;
  timeoutMs?: number;
  keepalive?: boolean;
}

export type Transport = (method: string, url: string, opts?: RequestOptions) => Promise<unknown>;

export async function request<T = unknown>(method: string, url: string, opts: RequestOptions = {}): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs ?? 20000);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') {
    // The cookie first: Django gives a new token at sign-in, so a page open across a sign-out
    // and a sign-in elsewhere would send its stale one for good.
    headers['X-CSRFToken'] = cookieToken() || csrfToken;
    headers['X-Requested-With'] = 'XMLHttpRequest';
  }
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: controller.signal,
      keepalive: opts.keepalive ?? false,
    });
  } catch (err) {
    const aborted = err instanceof DOMException && err.name === 'AbortError';
    throw new ApiError('network', 0, null, aborted ? TIMED_OUT : 'Network unreachable');
  } finally {
    clearTimeout(timer);
  }
  let data: unknown = null;
  const text = await res.text().catch(() => '');
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.length > 300 ? `${text.slice(0, 300)}…` : text };
    }
  }
  if (!res.ok) {
    const detail = (data as { detail?: unknown } | null)?.detail;
    const msg = typeof detail === 'string' ? detail : `${res.status} ${res.statusText}`;
    throw new ApiError(res.status >= 500 ? 'network' : 'http', res.status, data, msg);
  }
  return data as T;
}

export const getJson = <T = unknown>(url: string) => request<T>('GET', url);
export const postJson = <T = unknown>(url: string, body: unknown = {}) => request<T>('POST', url, { body });
export const putJson = <T = unknown>(url: string, body: unknown) => request<T>('PUT', url, { body });

/** Adds the display window to an image URL, keeping any existing query. */
export function withWindow(url: string, lo: number, hi: number, decimals = 4): string {
  const base = typeof location !== 'undefined' ? location.href : 'http://localhost/';
  const u = new URL(url, base);
  const fmt = (v: number) => String(Number(v.toFixed(decimals)));
  u.searchParams.set('lo', fmt(lo));
  u.searchParams.set('hi', fmt(hi));
  const sameOrigin = typeof location !== 'undefined' && u.origin === location.origin;
  return sameOrigin || url.startsWith('/') ? `${u.pathname}${u.search}${u.hash}` : u.href;
}
