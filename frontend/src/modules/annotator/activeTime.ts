/**
 * Active annotation time: the sum of gaps between user actions that are
 * shorter than the idle limit. A coffee break (no input for 60 s) adds
 * nothing, so time-per-annotation statistics stay honest.
 */
export class ActiveTime {
  private last: number | null = null;
  private accMs = 0;

  constructor(private readonly idleLimitMs = 60_000) {}

  touch(now: number): void {
    if (this.last !== null) {
      const gap = now - this.last;
      if (gap > 0 && gap <= this.idleLimitMs) this.accMs += gap;
    }
    this.last = now;
  }

  /** Seconds accumulated since the last take(); resets the counter. */
  take(): number {
    const s = this.accMs / 1000;
    this.accMs = 0;
    return s;
  }

  /** Puts back seconds from a save that did not reach the server. */
  giveBack(seconds: number): void {
    this.accMs += Math.max(0, seconds) * 1000;
  }

  peek(): number {
    return this.accMs / 1000;
  }
}
