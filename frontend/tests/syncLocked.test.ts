import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/lib/api';
import { keptFileName, keptKey } from '../src/modules/annotator/kept';
import { backupKey } from '../src/modules/annotator/sync';
import { MemoryStorage, dto, setup, useFakeClock } from './syncHarness';

/** A save that finds the section decided meanwhile (sent back, confirmed, excluded): the page
 * says who did what, and a drawing it could not save is kept in this browser and offered, never
 * sent by itself. */

describe('AnnotationSync when a reviewer decided first', () => {
  useFakeClock();

  it('says why a reopen found the annotation a draft already (sent back meanwhile) and lets it be edited', async () => {
    const why = 'rita sent this section back to you (2024-06-01 11:58 UTC): “follow the rim”. Your annotation is a draft again: keep editing it and submit when done.';
    const { sync } = setup((m, url) => {
      if (m === 'GET') return dto(2, { status: 'submitted', can_edit: false, can_reopen: true });
      if (url.endsWith('reopen/')) throw new ApiError('http', 409, { detail: why, code: 'annotation_draft', current: dto(2) }, why);
      return dto(3);
    });
    await sync.load();
    expect(sync.editable).toBe(false);
    const { note } = await sync.reopen();
    expect(note).toBe(why);
    expect(sync.status).toBe('draft');
    expect(sync.editable).toBe(true);
  });

  it('stops saving, says who confirmed the section and keeps the edits when a save finds it confirmed', async () => {
    const why = 'rita confirmed this section\'s ground truth version 1 (2024-06-01 11:58 UTC). Its annotations are locked; nothing was saved.';
    const { sync, calls } = setup((m) => {
      if (m === 'GET') return dto(2);
      throw new ApiError('http', 409, { detail: why, code: 'section_confirmed', current: dto(2, { can_edit: false }) }, why);
    });
    await sync.load();
    sync.markDirty();
    await sync.submit();
    expect(sync.phase).toBe('locked');
    expect(sync.error).toBe(`${why} Your drawing stays on this page.`);
    expect(sync.conflict).toBeNull();
    expect(sync.dirty).toBe(true);
    expect(sync.editable).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
  });

  it('keeps a drawing a confirmation refused in this browser, and never sends it by itself', async () => {
    const why = "rita confirmed this section's ground truth version 1 (2024-06-01 11:58 UTC). Its annotations are locked; nothing was saved.";
    const storage = new MemoryStorage();
    const { sync } = setup(
      (m) => {
        if (m === 'GET') return dto(2);
        throw new ApiError('http', 409, { detail: why, code: 'section_confirmed', current: dto(2, { can_edit: false }) }, why);
      },
      { storage, png: () => 'DRAWN' },
    );
    await sync.load();
    sync.markDirty();
    await sync.save();
    expect(sync.phase).toBe('locked');
    expect(sync.kept.list).toMatchObject([{ maskPng: 'DRAWN', why, sectionId: 12 }]);
    expect(await sync.saveAll()).toBe(true); // kept: Skip may leave the section
    sync.writeBackup(); // the page is left: the refused drawing is no backup to restore
    expect(storage.getItem(backupKey(12))).toBeNull();
    expect(JSON.parse(storage.getItem(keptKey(12))!)[0].maskPng).toBe('DRAWN');

    // The next visit, even once the section takes saves again (included again): offered, not restored, not sent.
    const next = setup((m) => (m === 'GET' ? dto(2, { updated_at: '2024-06-01T13:00:00Z' }) : dto(3)), { storage });
    const { restored, kept } = await next.sync.load();
    expect(restored).toBeNull();
    expect(kept).toMatchObject([{ maskPng: 'DRAWN', why }]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(next.calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
    // Its own edits save as usual and leave the kept drawing alone.
    next.sync.markDirty();
    await vi.advanceTimersByTimeAsync(1500);
    expect(next.calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
    expect(storage.getItem(keptKey(12))).not.toBeNull();
    next.sync.kept.remove(kept[0]!.savedAt);
    expect(next.sync.kept.list).toEqual([]);
    expect(storage.getItem(keptKey(12))).toBeNull();
  });

  it('offers a refused drawing in the page even without storage, and then keeps Skip from leaving it', async () => {
    const why = 'rita excluded this section (2024-06-01 11:58 UTC). It no longer takes annotations; nothing was saved.';
    const broken = { getItem: () => null, setItem: () => { throw new Error('quota'); }, removeItem: () => {} };
    const { sync } = setup(
      (m) => {
        if (m === 'GET') return dto(2);
        throw new ApiError('http', 409, { detail: why, code: 'section_excluded', current: dto(2, { can_edit: false }) }, why);
      },
      { storage: broken as unknown as MemoryStorage, png: () => 'DRAWN' },
    );
    await sync.load();
    sync.markDirty();
    await sync.save();
    expect(sync.kept.list).toMatchObject([{ maskPng: 'DRAWN', why }]);
    expect(sync.refusedAndKept).toBe(false);
    expect(await sync.saveAll()).toBe(false);
  });

  it('keeps every refused drawing: a second refusal does not replace the first', async () => {
    const why = 'rita excluded this section (2024-06-01 11:58 UTC): “out of focus”. It no longer takes annotations; nothing was saved.';
    const storage = new MemoryStorage();
    const refuse = () => {
      throw new ApiError('http', 409, { detail: why, code: 'section_excluded', current: dto(2, { can_edit: false }) }, why);
    };
    const first = setup((m) => (m === 'GET' ? dto(2) : refuse()), { storage, png: () => 'FIRST' });
    await first.sync.load();
    first.sync.markDirty();
    await first.sync.save();
    vi.setSystemTime(new Date('2024-06-01T12:30:00Z'));
    // Included again and drawn anew from the server copy, then excluded again.
    const second = setup((m) => (m === 'GET' ? dto(2) : refuse()), { storage, png: () => 'SECOND' });
    await second.sync.load();
    second.sync.markDirty();
    await second.sync.save();
    expect(second.sync.kept.list.map((k) => k.maskPng)).toEqual(['FIRST', 'SECOND']);
  });

  it('offers, on the next visit, a backup of a section excluded meanwhile, saying who excluded it', async () => {
    const storage = new MemoryStorage();
    storage.setItem(backupKey(12), JSON.stringify({ v: 1, sectionId: 12, savedAt: Date.parse('2024-06-01T11:00:00Z'), baseRevision: 3, maskPng: 'LOCAL' }));
    const locked = { code: 'section_excluded', detail: 'rita excluded this section (2024-06-01 11:30 UTC): “out of focus”. It no longer takes annotations.' };
    const { sync, calls } = setup((m) => (m === 'GET' ? dto(3, { updated_at: '2024-06-01T10:00:00Z', can_edit: false, locked }) : dto(4)), { storage });
    const { restored, kept } = await sync.load();
    expect(restored).toBeNull();
    expect(kept).toMatchObject([{ maskPng: 'LOCAL', why: locked.detail, savedAt: Date.parse('2024-06-01T11:00:00Z') }]);
    expect(storage.getItem(backupKey(12))).toBeNull();
    expect(storage.getItem(keptKey(12))).not.toBeNull();
    expect(sync.dirty).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
    expect(keptFileName(12, Date.parse('2024-06-01T11:00:00Z'))).toBe('section-12-unsaved-20240601-1100Z.png');
  });
});
