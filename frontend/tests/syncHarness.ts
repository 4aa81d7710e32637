/** What the AnnotationSync tests share: a fake clock, an in-memory storage, a stub transport and
 * the sync under test wired to them (sync.test.ts, syncLocked.test.ts, syncSession.test.ts). */

import { afterEach, beforeEach, vi } from 'vitest';
import type { RequestOptions } from '../src/lib/api';
import { ActiveTime } from '../src/modules/annotator/activeTime';
import { AnnotationSync, type SyncState } from '../src/modules/annotator/sync';
import type { AnnotationDto, SaveOrigin } from '../src/modules/annotator/types';

export class MemoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

export type Handler = (method: string, url: string, opts?: RequestOptions) => unknown;

export function dto(revision: number | null, extra: Partial<AnnotationDto> = {}): AnnotationDto {
  return { revision, status: revision === null ? null : 'draft', mask_png: revision === null ? null : `png${revision}`, can_edit: true, can_reopen: false, updated_at: '2024-01-01T00:00:00Z', ...extra };
}

/** Inside a describe: each test runs on fake timers from 2024-06-01 12:00 UTC. */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2024-06-01T12:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());
}

export interface SetupOptions {
  storage?: MemoryStorage;
  png?: () => string;
  origin?: () => SaveOrigin | null;
  /** The editor page's id; a random one when left out. */
  session?: string;
  /** The tab's own storage (sessionStorage in the page). */
  tabStorage?: MemoryStorage;
  /** The retries' jitter; none when left out. */
  random?: () => number;
}

export function setup(handler: Handler, opts: SetupOptions = {}) {
  const calls: { method: string; url: string; body: any }[] = [];
  const states: SyncState[] = [];
  const storage = opts.storage ?? new MemoryStorage();
  const active = new ActiveTime();
  const sync = new AnnotationSync(
    {
      url: '/api/sections/12/annotations/mine/',
      sectionId: 12,
      transport: async (method, url, o) => {
        calls.push({ method, url, body: o?.body });
        return handler(method, url, o);
      },
      getMaskPng: opts.png ?? (() => 'MASK'),
      getOrigin: opts.origin,
      activeTime: active,
      storage,
      session: opts.session,
      tabStorage: opts.tabStorage,
      now: () => Date.now(),
      random: opts.random ?? (() => 0),
    },
    (s) => states.push(s),
  );
  return { sync, calls, states, storage, active };
}

export const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

