/**
 * When the annotator saves: 1.5 s after the last edit and at least every 15 s
 * while edits keep coming; after a failure that may pass (network, 5xx, a server
 * restarting) again after 1, 2, 4, then every 8 s, each up to a quarter sooner at
 * random (pages left waiting on one restart do not all come back at once), with a
 * tick every second meanwhile so the page can count down. A server back is thus
 * found within 8 s; the page's own signs of it (the network back, the tab shown
 * again, the section's socket reconnected: lifecycle.ts) retry at once. What a
 * save does is saveLoop.ts's business.
 */

type Timer = ReturnType<typeof setTimeout>;

export interface ScheduleOptions {
  now: () => number;
  debounceMs?: number;
  maxIntervalMs?: number;
  maxBackoffS?: number;
  /** In [0, 1): how much of the quarter a retry comes sooner (Math.random). */
  random?: () => number;
}

export class SaveSchedule {
  /** When the waiting retry fires (ms, like `now`), or null. */
  retryAt: number | null = null;
  private attempt = 0;
  private debounce: Timer | null = null;
  private max: Timer | null = null;
  private retry: Timer | null = null;
  private tick: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly save: () => void,
    private readonly onTick: () => void,
    private readonly opts: ScheduleOptions,
  ) {}

  /** An edit: save after a pause, and no later than the longest interval after the first unsaved edit. */
  edited(): void {
    this.later();
    this.max ??= setTimeout(this.save, this.opts.maxIntervalMs ?? 15000);
  }

  /** Save after a pause (edits arrived while the last save was under way). */
  later(): void {
    this.clear('debounce');
    this.debounce = setTimeout(this.save, this.opts.debounceMs ?? 1500);
  }

  /** A save was asked for: the pending edit timers have done their job. */
  due(): void {
    this.clear('debounce');
    this.clear('max');
  }

  /** A save is going out: a waiting retry and its countdown are no longer needed. */
  saving(): void {
    this.clear('retry');
    this.stopTick();
  }

  succeeded(): void {
    this.attempt = 0;
    this.retryAt = null;
  }

  /** A save failed in a way that may pass: retry after the next backoff step. */
  failed(): void {
    this.attempt++;
    const stepS = Math.min(this.opts.maxBackoffS ?? 8, 2 ** (this.attempt - 1));
    const delayMs = Math.round(stepS * 1000 * (1 - 0.25 * (this.opts.random ?? Math.random)()));
    this.retryAt = this.opts.now() + delayMs;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.save();
    }, delayMs);
    this.stopTick();
    this.tick = setInterval(this.onTick, 1000);
  }

  /** Skips the rest of the backoff; false when no retry is waiting. */
  retryNow(): boolean {
    if (!this.retry) return false;
    this.clear('retry');
    this.save();
    return true;
  }

  /** Nothing left to save or the user decides: no timers at all. */
  stop(): void {
    this.due();
    this.saving();
  }

  private clear(name: 'debounce' | 'max' | 'retry'): void {
    const t = this[name];
    if (t !== null) clearTimeout(t);
    this[name] = null;
  }

  private stopTick(): void {
    if (this.tick !== null) clearInterval(this.tick);
    this.tick = null;
  }
}
