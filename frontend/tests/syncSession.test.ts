import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/lib/api';
import { backupKey } from '../src/modules/annotator/sync';
import { MemoryStorage, dto, setup, useFakeClock } from './syncHarness';

/** The editor page's id goes with every save and with its local backup, so that after a lost
 * answer (or a reload that restores the backup) the server can tell this page's own newer
 * revisions from another tab's. */

/** A page whose server copy is revision 3, saved before any backup below; `put` answers its saves. */
function page(put: () => unknown, opts: { session?: string; storage?: MemoryStorage; tabStorage?: MemoryStorage } = {}) {
  const bodies: any[] = [];
  const { sync } = setup((method, _url, o) => {
    if (method === 'GET') return dto(3, { updated_at: '2024-06-01T10:00:00Z' });
    bodies.push(o?.body);
    return put();
  }, opts);
  return { sync, bodies };
}

describe('editor session', () => {
  useFakeClock();

  it('sends the same page id with every save, a new one per page', async () => {
    const first = page(() => dto(4));
    const second = page(() => dto(4));
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
    const storage = new MemoryStorage();
    const lost = page(() => {
      throw new ApiError('network', 0, null, 'offline');
    }, { session: 'page-before-reload', storage });
    await lost.sync.load();
    lost.sync.markDirty();
    await lost.sync.save();
    const kept = JSON.parse(storage.getItem(backupKey(12))!);
    expect(kept.session).toBe('page-before-reload');
    lost.sync.dispose();

    kept.savedAt = Date.parse('2024-06-01T11:00:00Z'); // newer than the server copy
    storage.setItem(backupKey(12), JSON.stringify(kept));
    const reloaded = page(() => dto(5), { session: 'page-after-reload', storage });
    const { restored } = await reloaded.sync.load();
    expect(restored?.session).toBe('page-before-reload');
    await reloaded.sync.save();
    expect(reloaded.bodies[0]).toMatchObject({ base_revision: 3, editor_session: 'page-before-reload' });
  });

  it('lets only a reload of the same tab take the backup\'s id: another tab keeps its own', async () => {
    // Tab A's saves fail, so its backup stays; tab B opens the section and restores it.
    const storage = new MemoryStorage();
    const tabA = new MemoryStorage();
    const a = page(() => {
      throw new ApiError('network', 500, null, 'failed');
    }, { session: 'tab-a', storage, tabStorage: tabA });
    await a.sync.load();
    a.sync.markDirty();
    await a.sync.save();
    const kept = JSON.parse(storage.getItem(backupKey(12))!);
    kept.savedAt = Date.parse('2024-06-01T11:00:00Z');
    storage.setItem(backupKey(12), JSON.stringify(kept));

    // Tab B (its own tab storage, still open tab A): a save with A's id would let A's next save
    // go over B's revisions unseen; B saves as itself, so the server answers A with a 409.
    const b = page(() => dto(4), { session: 'tab-b', storage, tabStorage: new MemoryStorage() });
    const { restored } = await b.sync.load();
    expect(restored?.session).toBe('tab-a');
    await b.sync.save();
    expect(b.bodies[0]).toMatchObject({ base_revision: 3, editor_session: 'tab-b' });

    // Tab A reloaded: the same tab storage, so it takes its own id back.
    storage.setItem(backupKey(12), JSON.stringify(kept));
    const reloaded = page(() => dto(5), { session: 'after-reload', storage, tabStorage: tabA });
    await reloaded.sync.load();
    await reloaded.sync.save();
    expect(reloaded.bodies[0]).toMatchObject({ editor_session: 'tab-a' });
  });
});
