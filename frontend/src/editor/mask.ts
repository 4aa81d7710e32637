/**
 * The mask being edited and its undo history: one Uint8Array of label values
 * (see labels.ts) that every tool writes into, and the only place where a
 * change becomes an undo step and a `change` notification. No DOM, so tools
 * can be tested on a small buffer.
 */

import { MaskHistory, type HistoryEntry } from './history';
import { LabelTable } from './labels';
import { fillHoles, fullRect, type Rect } from './raster';

export type ChangeSource = 'user' | 'api' | 'history';

export interface MaskChange {
  label: string;
  source: ChangeSource;
  rect: Rect;
}

export class MaskModel {
  readonly data: Uint8Array;
  readonly history: MaskHistory;
  /** Called once per undo step (and for replacements that clear the history). */
  onChange: (change: MaskChange) => void = () => {};

  constructor(
    readonly width: number,
    readonly height: number,
    readonly labels: LabelTable = new LabelTable(),
    historySteps = 500,
  ) {
    this.data = new Uint8Array(width * height);
    this.history = new MaskHistory(width, height, { maxSteps: historySteps });
  }

  /**
   * Records what changed since `before` as one undo step (a finished stroke
   * was painted straight into `data`); `hint` bounds the area to compare.
   */
  commit(label: string, before: Uint8Array, hint: Rect | null, source: ChangeSource = 'user'): Rect | null {
    const rect = this.history.record(before, this.data, label, hint);
    if (rect) this.onChange({ label, source, rect });
    return rect;
  }

  /** Runs a mask operation as one undo step; returns whether anything changed. */
  apply(label: string, op: (data: Uint8Array) => Rect | null): boolean {
    const before = this.data.slice();
    const hint = op(this.data);
    return hint !== null && this.commit(label, before, hint) !== null;
  }

  /**
   * Replaces the content with `next` (any byte mask; see LabelTable.coerce).
   * Recorded, it is one undo step; otherwise the history is cleared, since
   * older steps would no longer apply to the new content.
   */
  replace(next: Uint8Array, label: string, record: boolean): void {
    const values = this.labels.coerce(Uint8Array.from(next.subarray(0, this.data.length)));
    if (values.length !== this.data.length) throw new Error('mask size does not match the editor');
    if (record) {
      const before = this.data.slice();
      this.data.set(values);
      this.commit(label, before, null, 'api');
      return;
    }
    this.data.set(values);
    this.history.clear();
    this.onChange({ label, source: 'api', rect: fullRect(this.width, this.height) });
  }

  undo(): HistoryEntry | null {
    return this.travel('undo');
  }

  redo(): HistoryEntry | null {
    return this.travel('redo');
  }

  fillHoles(): boolean {
    const value = this.labels.active.value;
    return this.apply('Fill holes', (d) => fillHoles(d, this.width, this.height, value));
  }

  clear(): boolean {
    return this.apply('Clear', (d) => {
      d.fill(0);
      return fullRect(this.width, this.height);
    });
  }

  hasForeground(): boolean {
    return this.data.some((v) => v !== 0);
  }

  private travel(direction: 'undo' | 'redo'): HistoryEntry | null {
    const e = direction === 'undo' ? this.history.undo(this.data) : this.history.redo(this.data);
    if (e) this.onChange({ label: `${direction === 'undo' ? 'Undo' : 'Redo'}: ${e.label}`, source: 'history', rect: e.rect });
    return e;
  }
}
