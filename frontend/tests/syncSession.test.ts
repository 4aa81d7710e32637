import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/lib/api';
import { ActiveTime } from '../src/modules/annotator/activeTime';
import { AnnotationSync, backupKey } from '../src/modules/annotator/sync';
import type { AnnotationDto } from '../src/modules/annotator/types';

/** The editor page's id goes with every save and with its local backup, so that after a lost
 * answer (or a reload that restores the backup) the server can tell this page's own newer
 * revisions from another tab's. */

function dto(revision: number, updated = '2024-06-01T10:00:00Z'): AnnotationDto {
  return { revision, status: 'draft', mask_png: `png${revision}`, can_edit: true, can_reopen: false, updated_at: updated };
}

function storage() {
  const data = new Map<string, string>();
  return { data, getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k) };
}

function setup(put: () => unknown, opts: { session?: string; store?: ReturnType<typeof storage> } = {}) {
  const bodies: any[] = [];
  const sync = new AnnotationSync({
    url: '/api/sections/12/annotations/mine/',
    sectionId: 12,
    transport: async (method, _url, o) => {
      if (method === 'GET') return dto(3);
      bodies.push(o?.body);
      return put();
    },
    getMaskPng: () => 'MASK',
    activeTime: new ActiveTime(),
    storage: opts.store ?? storage(),
    session: opts.session,
    now: () => Date.now(),
  });
  return { sync, bodies };
}

describe('editor session', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2024-06-01T12:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('sends the same page id with every save, a new one per page', async () => {
    const first = setup(() => dto(4));
    const second = setup(() => dto(4));
    for (const { sync } of [first, second]) {
      await sync.load();
      sync.markDirty();
      await sync.save();
      sync.markDirty();
      await sync.save();
    }
    const [a, b] = first.bodies.map((body) => body.editor_session);
    expect(a).toMatch(/^[0-9a-f]{24}$/);
    expect(b).toBe(a);
    expect(second.bodies[0].editor_session).not.toBe(a);
  });

  it('keeps the page id in the backup and takes it back when the backup is restored', async () => {
    const store = storage();
    const lost = setup(() => {
      throw new ApiError('network', 0, null, 'offline');
    }, { session: 'page-before-reload', store });
    await lost.sync.load();
    lost.sync.markDirty();
    await lost.sync.save();
    const kept = JSON.parse(store.getItem(backupKey(12))!);
    expect(kept.session).toBe('page-before-reload');
    lost.sync.dispose();

    kept.savedAt = Date.parse('2024-06-01T11:00:00Z'); // newer than the server copy
    store.setItem(backupKey(12), JSON.stringify(kept));
    const reloaded = setup(() => dto(5), { session: 'page-after-reload', store });
    const { restored } = await reloaded.sync.load();
    expect(restored?.session).toBe('page-before-reload');
    await reloaded.sync.save();
    expect(reloaded.bodies[0]).toMatchObject({ base_revision: 3, editor_session: 'page-before-reload' });
  });
});
