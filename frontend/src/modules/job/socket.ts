/**
 * The live connection of a job page (training, evaluation, import): one
 * WebSocket on /ws/jobs/<kind>/<id>/ that sends a snapshot first, then the
 * job's events. If the socket drops, it reconnects with backoff and reads the
 * HTTP snapshot meanwhile, so a page never shows stale progress as live; where
 * WebSockets are unavailable it polls the HTTP snapshot instead.
 */

import { ApiError, getJson } from '../../lib/api';

export type Conn = 'connecting' | 'live' | 'reconnecting' | 'closed' | 'unavailable';

/** Close codes of the server: not signed in (or may not watch), no such job. */
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_NOT_FOUND = 4404;

export interface LiveSocketOptions {
  wsUrl?: string | null;
  snapshotUrl?: string | null;
  /** A message from the socket: `{type: 'snapshot', job}` or an event. */
  onMessage(msg: Record<string, unknown>): void;
  /** A snapshot read over HTTP (the socket is down or unavailable). */
  onSnapshot(job: Record<string, unknown>): void;
  onConn(conn: Conn, reconnectAt: number | null): void;
  onRefused(code: number): void;
  /** The HTTP snapshot failed before any snapshot arrived. */
  onError(detail: string, retryable: boolean): void;
  /** The job has ended: stop reconnecting and polling. */
  isFinished(): boolean;
  hasSnapshot(): boolean;
  pollMs?: number;
}

export function wsAbsoluteUrl(url: string, loc: Pick<Location, 'protocol' | 'host'> = location): string {
  if (/^wss?:\/\//i.test(url)) return url;
  if (/^https?:\/\//i.test(url)) return url.replace(/^http/i, 'ws');
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}${url.startsWith('/') ? '' : '/'}${url}`;
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private reconnectTimer = 0;
  private snapshotTimer = 0;
  private disposed = false;

  constructor(private readonly opts: LiveSocketOptions) {
    this.connect();
    // If the socket does not deliver a snapshot quickly, show the HTTP one.
    this.snapshotTimer = window.setTimeout(() => {
      if (!opts.hasSnapshot()) void this.fetchSnapshot();
    }, 2500);
  }

  dispose(): void {
    this.disposed = true;
    this.ws?.close();
    window.clearTimeout(this.reconnectTimer);
    window.clearTimeout(this.snapshotTimer);
  }

  private connect(): void {
    if (this.disposed) return;
    if (!this.opts.wsUrl || typeof WebSocket === 'undefined') {
      this.opts.onConn('unavailable', null);
      void this.pollWithoutSocket();
      return;
    }
    this.opts.onConn(this.attempt ? 'reconnecting' : 'connecting', null);
    let ws: WebSocket;
    try {
      ws = new WebSocket(wsAbsoluteUrl(this.opts.wsUrl));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.opts.onConn('live', null);
    };
    ws.onmessage = (ev) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (msg && typeof msg === 'object') this.opts.onMessage(msg as Record<string, unknown>);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.disposed) return;
      if (this.opts.isFinished()) {
        this.opts.onConn('closed', null);
        return;
      }
      // Refused by the server; retrying cannot help.
      if (ev.code === CLOSE_FORBIDDEN || ev.code === CLOSE_NOT_FOUND) {
        this.opts.onConn('unavailable', null);
        this.opts.onRefused(ev.code);
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.attempt++;
    const delay = Math.min(30, 2 ** (this.attempt - 1));
    this.opts.onConn('reconnecting', Date.now() + delay * 1000);
    // Keep the page current over HTTP while the socket is down.
    void this.fetchSnapshot();
    window.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = window.setTimeout(() => this.connect(), delay * 1000);
  }

  private async pollWithoutSocket(): Promise<void> {
    while (!this.disposed) {
      await this.fetchSnapshot();
      if (this.opts.isFinished()) return;
      await new Promise((r) => setTimeout(r, this.opts.pollMs ?? 3000));
    }
  }

  private async fetchSnapshot(): Promise<void> {
    if (!this.opts.snapshotUrl) return;
    try {
      const job = await getJson<Record<string, unknown>>(this.opts.snapshotUrl);
      // A live socket's own snapshot and events are newer; do not overwrite them.
      if (this.ws && this.ws.readyState === WebSocket.OPEN && this.opts.hasSnapshot()) return;
      this.opts.onSnapshot(job);
    } catch (err) {
      if (!this.opts.hasSnapshot()) {
        const detail = err instanceof ApiError ? err.detail : String(err);
        this.opts.onError(detail, !(err instanceof ApiError) || err.retryable);
      }
    }
  }
}

/** What a results page (prediction, learning curve) hands `followJob`. */
export interface FollowOptions {
  /** The job, for the refusal caption: "This prediction is not visible to you." */
  what: string;
  apply(msg: Record<string, unknown>): void;
  showCaption(text: string): void;
  isFinished(): boolean;
  hasSnapshot(): boolean;
  onConn?(conn: Conn): void;
}

/** The live socket of a results page: messages and snapshots both go to `apply`, the
 * connection state to `root.dataset.conn`, a refusal or an error to the caption. */
export function followJob(cfg: { wsUrl?: string | null; snapshotUrl?: string | null }, root: HTMLElement, o: FollowOptions): LiveSocket {
  return new LiveSocket({
    wsUrl: cfg.wsUrl,
    snapshotUrl: cfg.snapshotUrl,
    onMessage: (msg) => o.apply(msg),
    onSnapshot: (job) => o.apply(job),
    onConn: (conn) => {
      o.onConn?.(conn);
      root.dataset.conn = conn;
    },
    onRefused: () => o.showCaption(`This ${o.what} is not visible to you.`),
    onError: (detail) => o.showCaption(detail),
    isFinished: () => o.isFinished(),
    hasSnapshot: () => o.hasSnapshot(),
  });
}

/** The job ended while the page watched: stop listening and reload, so that the server renders
 * the stored results (tables, charts, files). */
export function reloadForResults(socket: LiveSocket | null): void {
  socket?.dispose();
  window.setTimeout(() => location.reload(), 300);
}
