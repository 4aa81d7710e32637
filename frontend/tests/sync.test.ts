import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/lib/api';
import { backupKey } from '../src/modules/annotator/sync';
import type { AnnotationDto, SaveOrigin } from '../src/modules/annotator/types';
import { MemoryStorage, dto, flush, setup, useFakeClock } from './syncHarness';

describe('AnnotationSync', () => {
  useFakeClock();

  it('autosaves 1.5 s after the last edit with the base revision and active time', async () => {
    let rev = 3;
    const { sync, calls, active } = setup((m) => (m === 'GET' ? dto(3) : dto(++rev)));
    await sync.load();
    active.touch(0);
    active.touch(12_500);
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1000);
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1400);
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toEqual({ base_revision: 3, mask_png: 'MASK', time_spent_s: 12.5, action: 'save', editor_session: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(sync.revision).toBe(4);
    expect(sync.phase).toBe('clean');
    expect(sync.dirty).toBe(false);
  });

  it('sends where the mask started (a model proposal) with the save', async () => {
    let origin: SaveOrigin | null = null;
    const { sync, calls } = setup((m) => (m === 'GET' ? dto(null) : dto(1)), { origin: () => origin });
    await sync.load();
    origin = { origin: 'model', origin_model_version: 7, proposal_png: 'iVBORw0KGgo=' };
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1600);
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body).toMatchObject({
      base_revision: null,
      origin: 'model',
      origin_model_version: 7,
      proposal_png: 'iVBORw0KGgo=',
    });
  });

  it('saves at least every 15 s while edits keep coming', async () => {
    const { sync, calls } = setup((m) => (m === 'GET' ? dto(1) : dto(2)));
    await sync.load();
    for (let t = 0; t < 16_000; t += 1000) {
      sync.markDirty();
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(calls.filter((c) => c.method === 'PUT').length).toBeGreaterThanOrEqual(1);
  });

  it('retries with exponential backoff on network errors and keeps a local backup', async () => {
    let fail = 4;
    const { sync, calls, storage, active } = setup((m) => {
      if (m === 'GET') return dto(1);
      if (fail-- > 0) throw new ApiError('network', 0, null, 'Network unreachable');
      return dto(2);
    });
    await sync.load();
    active.giveBack(3);
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    expect(sync.phase).toBe('offline');
    expect(sync.state().retryStatus).toBeNull();
    expect(storage.getItem(backupKey(12))).toContain('MASK');
    const putTimes: number[] = [];
    const start = Date.now();
    const count = () => calls.filter((c) => c.method === 'PUT').length;
    let seen = count();
    for (let i = 0; i < 20_000; i += 100) {
      await vi.advanceTimersByTimeAsync(100);
      if (count() !== seen) {
        seen = count();
        putTimes.push(Date.now() - start);
      }
    }
    // Retries after 1, 2, 4 and 8 s.
    expect(putTimes.map((t, i) => t - (putTimes[i - 1] ?? 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(sync.phase).toBe('clean');
    expect(storage.getItem(backupKey(12))).toBeNull();
    // Time was not lost over the failed attempts.
    const lastPut = calls.filter((c) => c.method === 'PUT').at(-1)!;
    expect(lastPut.body.time_spent_s).toBe(3);
  });

  it('names the HTTP status of a failed save while it retries, and forgets it once saved', async () => {
    let fail = 1;
    const { sync } = setup((m) => {
      if (m === 'GET') return dto(1);
      if (fail-- > 0) throw new ApiError('network', 500, null, '500 Internal Server Error');
      return dto(2);
    });
    await sync.load();
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    expect(sync.state()).toMatchObject({ phase: 'offline', retryStatus: 500, dirty: true });
    await vi.advanceTimersByTimeAsync(2000);
    expect(sync.state()).toMatchObject({ phase: 'clean', retryStatus: null, revision: 2 });
  });

  it('saveAll (before Skip) is false while a save fails, and waits out a save in flight with newer edits', async () => {
    let fail = true;
    let release: (() => void) | null = null;
    const { sync, calls } = setup(async (m) => {
      if (m === 'GET') return dto(1);
      if (fail) throw new ApiError('network', 500, null, '500 Internal Server Error');
      await new Promise<void>((r) => (release = r));
      return dto(calls.filter((c) => c.method === 'PUT').length + 1);
    });
    await sync.load();
    sync.markDirty();
    expect(await sync.saveAll()).toBe(false);
    expect(sync.state()).toMatchObject({ phase: 'offline', dirty: true });

    fail = false;
    sync.retryNow();
    await flush();
    sync.markDirty(); // drawn while the retry is in flight
    const all = sync.saveAll();
    for (let i = 0; i < 4; i++) {
      await flush();
      (release as (() => void) | null)?.();
      release = null;
    }
    expect(await all).toBe(true);
    expect(sync.state().dirty).toBe(false);
  });

  it('caps the backoff at 8 s, so a server back after a restart is found within 8 s', async () => {
    const { sync } = setup((m) => {
      if (m === 'GET') return dto(1);
      throw new ApiError('network', 0, null, 'Failed to fetch');
    });
    await sync.load();
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500 + 1000 + 2000 + 4000 + 8000 + 8000 + 100);
    const before = Date.now();
    await vi.advanceTimersByTimeAsync(10);
    expect(sync.retryAt! - before).toBeLessThanOrEqual(8000);
    expect(sync.retryAt! - before).toBeGreaterThan(7000);
  });

  it('retries up to a quarter sooner at random, so pages waiting on one restart spread out', async () => {
    const waits: number[] = [];
    for (const r of [0, 0.5, 0.999]) {
      const { sync } = setup(
        (m) => {
          if (m === 'GET') return dto(1);
          throw new ApiError('network', 502, null, 'Bad gateway');
        },
        { random: () => r },
      );
      await sync.load();
      sync.markDirty();
      await vi.advanceTimersByTimeAsync(1500);
      waits.push(sync.retryAt! - Date.now());
      sync.dispose();
    }
    // The first retry's 1 s step less none, an eighth and nearly a quarter of it.
    expect(waits).toEqual([1000, 875, 750]);
  });

  it('Retry now sends the waiting save at once, and never a second one while it is in flight', async () => {
    let down = true;
    let inflight = 0;
    let most = 0;
    let release: (() => void) | null = null;
    const { sync, calls } = setup(async (m) => {
      if (m === 'GET') return dto(1);
      inflight++;
      most = Math.max(most, inflight);
      try {
        if (down) throw new ApiError('network', 0, null, 'Failed to fetch');
        await new Promise<void>((r) => (release = r));
        return dto(2);
      } finally {
        inflight--;
      }
    });
    await sync.load();
    sync.markDirty();
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(8000);
    expect(sync.phase).toBe('offline');
    const failed = calls.filter((c) => c.method === 'PUT').length;
    down = false;
    sync.retryNow();
    await flush();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(failed + 1);
    // Retry now pressed again, the tab focused, the socket back: the save in flight stays the only one.
    sync.retryNow();
    void sync.save();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(failed + 1);
    (release as (() => void) | null)?.();
    await flush();
    expect(sync.state()).toMatchObject({ phase: 'clean', revision: 2, dirty: false });
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(failed + 1);
    expect(most).toBe(1);
  });

  it('stops on 409 and resolves with keep mine', async () => {
    let conflictOnce = true;
    const { sync, calls } = setup((m) => {
      if (m === 'GET') return dto(3);
      if (conflictOnce) {
        conflictOnce = false;
        throw new ApiError('http', 409, { detail: 'stale', current: dto(5, { updated_at: '2024-06-01T11:59:00Z' }) }, 'stale');
      }
      return dto(6);
    });
    await sync.load();
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    expect(sync.phase).toBe('conflict');
    expect(sync.conflict?.revision).toBe(5);
    // No silent retries while in conflict.
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    sync.keepMine();
    await flush();
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(puts[1]!.body.base_revision).toBe(5);
    expect(sync.revision).toBe(6);
    expect(sync.phase).toBe('clean');
  });

  it('resolves a conflict with load newer', async () => {
    const { sync, calls } = setup((m) => {
      if (m === 'GET') return dto(3);
      throw new ApiError('http', 409, { detail: 'stale', current: dto(5) }, 'stale');
    });
    await sync.load();
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    const newer = await sync.fetchNewer();
    expect(newer.revision).toBe(5);
    sync.acceptServer(newer);
    expect(sync.phase).toBe('clean');
    expect(sync.dirty).toBe(false);
    expect(sync.revision).toBe(5);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
  });

  it('shows 400 errors without retrying until the next edit', async () => {
    let n = 0;
    const { sync, calls } = setup((m) => {
      if (m === 'GET') return dto(1);
      n++;
      if (n === 1) throw new ApiError('http', 400, { detail: 'mask has wrong size' }, 'mask has wrong size');
      return dto(2);
    });
    await sync.load();
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    expect(sync.phase).toBe('error');
    expect(sync.error).toBe('mask has wrong size');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    expect(sync.phase).toBe('clean');
  });

  it('submits and reopens', async () => {
    const saved: string[] = [];
    const { sync, calls } = setup((m, url, o) => {
      if (m === 'GET') return dto(1);
      if (m === 'POST' && url.endsWith('reopen/')) return dto(2, { status: 'draft' });
      const body = o?.body as { action: string };
      return dto(2, { status: body.action === 'submit' ? 'submitted' : 'draft', can_reopen: true, can_edit: body.action !== 'submit' });
    });
    sync.onSaved = (_d, action) => saved.push(action);
    await sync.load();
    await sync.submit();
    expect(calls.at(-1)!.body.action).toBe('submit');
    expect(sync.status).toBe('submitted');
    expect(sync.editable).toBe(false);
    expect(sync.phase).toBe('locked');
    expect(saved).toEqual(['submit']);
    await sync.reopen();
    expect(calls.at(-1)!.url).toBe('/api/sections/12/annotations/mine/reopen/');
    expect(sync.status).toBe('draft');
    expect(sync.editable).toBe(true);
  });

  it('restores a local backup that is newer than the server copy', async () => {
    const storage = new MemoryStorage();
    storage.setItem(backupKey(12), JSON.stringify({ v: 1, sectionId: 12, savedAt: Date.parse('2024-06-01T11:00:00Z'), baseRevision: 3, maskPng: 'LOCAL' }));
    const { sync, calls } = setup((m) => (m === 'GET' ? dto(3, { updated_at: '2024-06-01T10:00:00Z' }) : dto(4)), { storage });
    const { restored } = await sync.load();
    expect(restored?.maskPng).toBe('LOCAL');
    expect(sync.dirty).toBe(true);
    await vi.advanceTimersByTimeAsync(1500);
    expect(calls.filter((c) => c.method === 'PUT')[0]!.body.base_revision).toBe(3);
  });

  it('drops a local backup that is older than the server copy', async () => {
    const storage = new MemoryStorage();
    storage.setItem(backupKey(12), JSON.stringify({ v: 1, sectionId: 12, savedAt: Date.parse('2024-06-01T09:00:00Z'), baseRevision: 2, maskPng: 'OLD' }));
    const { sync } = setup((m) => (m === 'GET' ? dto(3, { updated_at: '2024-06-01T10:00:00Z' }) : dto(4)), { storage });
    const { restored } = await sync.load();
    expect(restored).toBeNull();
    expect(storage.getItem(backupKey(12))).toBeNull();
    expect(sync.dirty).toBe(false);
  });

  it('treats a 404 on load as "no annotation yet"', async () => {
    const { sync, calls } = setup((m) => {
      if (m === 'GET') throw new ApiError('http', 404, { detail: 'Not found.' }, 'Not found.');
      return dto(1);
    });
    const { dto: loaded } = await sync.load();
    expect(loaded.revision).toBeNull();
    expect(sync.editable).toBe(true);
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    expect(calls.filter((c) => c.method === 'PUT')[0]!.body.base_revision).toBeNull();
  });

  it('saves edits made during an in-flight save afterwards', async () => {
    let resolve: ((v: AnnotationDto) => void) | null = null;
    let rev = 1;
    const { sync, calls } = setup((m) => {
      if (m === 'GET') return dto(1);
      return new Promise<AnnotationDto>((r) => {
        resolve = (v) => r(v);
      });
    });
    await sync.load();
    sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    expect(sync.phase).toBe('saving');
    sync.markDirty();
    resolve!(dto(++rev));
    await flush();
    expect(sync.dirty).toBe(true);
    await vi.advanceTimersByTimeAsync(1500);
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(2);
    expect(calls.filter((c) => c.method === 'PUT')[1]!.body.base_revision).toBe(2);
  });
});
