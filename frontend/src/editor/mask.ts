/**
 * The mask being edited and its undo history: a Uint8Array of label values
 * (see labels.ts) and a Uint16Array of instance ids (instances.ts), and the
 * only place where a change becomes an undo step and a `change` notification.
 * Tools paint coverage into `cover` and `paint` writes it as the active class;
 * in an instance class each stroke or shape is a new instance unless it adds
 * to the current one. No DOM, so tools can be tested on a small buffer.
 */

import { MaskHistory, type HistoryEntry } from './history';
import { applyCover, cutInstances, fillHolesWithInstances, maxId, numberComponents, type PaintTarget } from './instances';
import { LabelTable } from './labels';
import { fillHoles, fullRect, type Rect } from './raster';

/** The buffers before a change, for its undo step. */
export interface Snapshot {
  data: Uint8Array;
  ids: Uint16Array;
}

export type ChangeSource = 'user' | 'api' | 'history';

export interface MaskChange {
  label: string;
  source: ChangeSource;
  rect: Rect;
}

export class MaskModel {
  readonly data: Uint8Array;
  /** Instance id per pixel of an instance class (0 elsewhere). */
  readonly ids: Uint16Array;
  /** Scratch coverage the tools paint (0/1), emptied by `paint`. */
  readonly cover: Uint8Array;
  readonly history: MaskHistory;
  /** The instance a stroke with "add to current" extends, per class. */
  private current = new Map<number, number>();
  /** Called once per undo step (and for replacements that clear the history). */
  onChange: (change: MaskChange) => void = () => {};

  constructor(
    readonly width: number,
    readonly height: number,
    readonly labels: LabelTable = new LabelTable(),
    historySteps = 500,
  ) {
    this.data = new Uint8Array(width * height);
    this.ids = new Uint16Array(width * height);
    this.cover = new Uint8Array(width * height);
    this.history = new MaskHistory(width, height, { maxSteps: historySteps });
  }

  /**
   * Records what changed since `before` as one undo step (a finished stroke
   * was painted straight into `data`); `hint` bounds the area to compare.
   */
  commit(label: string, before: Snapshot, hint: Rect | null, source: ChangeSource = 'user'): Rect | null {
    const rect = this.history.record(before.data, this.data, label, hint, { before: before.ids, after: this.ids });
    if (rect) this.onChange({ label, source, rect });
    return rect;
  }

  snapshot(): Snapshot {
    return { data: this.data.slice(), ids: this.ids.slice() };
  }

  /** Runs a mask operation as one undo step; returns whether anything changed. */
  apply(label: string, op: (data: Uint8Array) => Rect | null): boolean {
    const before = this.snapshot();
    const hint = op(this.data);
    return hint !== null && this.commit(label, before, hint) !== null;
  }

  /**
   * What a stroke of class `value` writes: in an instance class a new
   * instance, or with `addToCurrent` the instance under (x, y) of that class,
   * else the class's current one. 0 erases.
   */
  target(value: number, addToCurrent: boolean, x = -1, y = -1): PaintTarget {
    if (!value || !this.labels.isInstance(value)) return { value, id: 0 };
    const inside = x >= 0 && y >= 0 && x < this.width && y < this.height;
    const under = inside ? Math.floor(y) * this.width + Math.floor(x) : -1;
    let id = addToCurrent ? (under >= 0 && this.data[under] === value && this.ids[under]) || this.current.get(value) || 0 : 0;
    if (!id || (addToCurrent && !this.ids.includes(id))) id = Math.min(65535, maxId(this.ids) + 1);
    this.current.set(value, id);
    return { value, id };
  }

  /** Writes what a tool painted into `cover` (inside `rect`) as `target`; no undo step yet. */
  paint(rect: Rect | null, target: PaintTarget): Rect | null {
    return applyCover(this.data, this.ids, this.cover, this.width, rect, target, this.labels.paintRule);
  }

  /** Paints a closed shape (`op` fills `cover`) as one undo step. */
  paintShape(label: string, target: PaintTarget, op: (cover: Uint8Array) => Rect | null): boolean {
    return this.apply(label, () => this.paint(op(this.cover), target));
  }

  /** Splits the instances the line painted into `cover` crosses (instances.ts `cutInstances`). */
  cut(op: (cover: Uint8Array) => Rect | null): number {
    const before = this.snapshot();
    const drawn = op(this.cover);
    const { rect, made } = cutInstances(this.ids, this.width, this.height, this.cover);
    if (drawn) this.cover.fill(0);
    if (made) this.commit('Cut', before, rect);
    return made;
  }

  /**
   * Replaces the content with `next` (any byte mask; see LabelTable.coerce).
   * Recorded, it is one undo step; otherwise the history is cleared, since
   * older steps would no longer apply to the new content.
   */
  replace(next: Uint8Array, label: string, record: boolean, ids: Uint16Array | null = null): void {
    const values = this.labels.coerce(Uint8Array.from(next.subarray(0, this.data.length)));
    if (values.length !== this.data.length) throw new Error('mask size does not match the editor');
    const before = record ? this.snapshot() : null;
    this.data.set(values);
    this.setIds(ids);
    if (before) {
      this.commit(label, before, null, 'api');
      return;
    }
    this.history.clear();
    this.onChange({ label, source: 'api', rect: fullRect(this.width, this.height) });
  }

  undo(): HistoryEntry | null {
    return this.travel('undo');
  }

  redo(): HistoryEntry | null {
    return this.travel('redo');
  }

  /**
   * Fills holes enclosed by the mask with the active class. In an instance class each hole
   * joins the instance around it (the one with most of its rim), else it is a new instance.
   */
  fillHoles(): boolean {
    const value = this.labels.active.value;
    const holes = (cover: Uint8Array) => {
      const filled = this.data.slice();
      const rect = fillHoles(filled, this.width, this.height, 1);
      for (let i = 0; rect && i < filled.length; i++) if (filled[i] && !this.data[i]) cover[i] = 1;
      return rect;
    };
    if (!this.labels.isInstance(value)) return this.paintShape('Fill holes', this.target(value, false), holes);
    return this.apply('Fill holes', () => {
      const rect = holes(this.cover);
      const fresh = () => Math.min(65535, maxId(this.ids) + 1);
      const changed = rect && fillHolesWithInstances(this.data, this.ids, this.width, this.height, this.cover, value, fresh);
      this.cover.fill(0);
      return changed || null;
    });
  }

  clear(): boolean {
    return this.apply('Clear', (d) => {
      d.fill(0);
      this.ids.fill(0);
      return fullRect(this.width, this.height);
    });
  }

  /** Instance ids for the current classes: `ids` kept on instance classes, else numbered by connected parts. */
  private setIds(ids: Uint16Array | null): void {
    const isInstance = (v: number) => this.labels.isInstance(v);
    if (!ids) numberComponents(this.data, this.ids, this.width, this.height, isInstance);
    else for (let i = 0; i < this.ids.length; i++) this.ids[i] = isInstance(this.data[i]!) ? ids[i]! : 0;
    this.current.clear();
  }

  hasForeground(): boolean {
    return this.data.some((v) => v !== 0);
  }

  private travel(direction: 'undo' | 'redo'): HistoryEntry | null {
    const e = direction === 'undo' ? this.history.undo(this.data, this.ids) : this.history.redo(this.data, this.ids);
    if (e) this.onChange({ label: `${direction === 'undo' ? 'Undo' : 'Redo'}: ${e.label}`, source: 'history', rect: e.rect });
    return e;
  }
}
