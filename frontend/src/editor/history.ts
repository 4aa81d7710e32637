/**
 * Undo/redo for a binary mask. Each step stores only the bounding box of the
 * pixels that changed, run-length encoded before and after, so a brush dab
 * costs a few hundred bytes instead of a full 448×448 snapshot and hundreds
 * of steps fit comfortably in memory.
 */

import { diffRect, type Rect } from './raster';

export interface HistoryEntry {
  rect: Rect;
  before: Uint32Array;
  after: Uint32Array;
  label: string;
}

/** Run lengths of a rectangular region, alternating 0-runs and 1-runs, starting with 0. */
export function encodeRegion(mask: Uint8Array, W: number, r: Rect): Uint32Array {
  const runs: number[] = [];
  let current = 0;
  let len = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * W;
    for (let x = r.x; x < r.x + r.w; x++) {
      const v = mask[row + x] ? 1 : 0;
      if (v === current) {
        len++;
      } else {
        runs.push(len);
        current = v;
        len = 1;
      }
    }
  }
  runs.push(len);
  return Uint32Array.from(runs);
}

export function decodeRegion(runs: Uint32Array, mask: Uint8Array, W: number, r: Rect): void {
  let value = 0;
  let k = 0;
  let left = runs[0] ?? 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * W;
    for (let x = r.x; x < r.x + r.w; x++) {
      while (left === 0 && k < runs.length - 1) {
        k++;
        left = runs[k]!;
        value ^= 1;
      }
      mask[row + x] = value;
      left--;
    }
  }
}

export interface HistoryOptions {
  maxSteps?: number;
  maxBytes?: number;
}

export class MaskHistory {
  private undoStack: HistoryEntry[] = [];
  private redoStack: HistoryEntry[] = [];
  private bytes = 0;
  readonly maxSteps: number;
  readonly maxBytes: number;

  constructor(
    readonly W: number,
    readonly H: number,
    opts: HistoryOptions = {},
  ) {
    this.maxSteps = opts.maxSteps ?? 500;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  }

  get undoDepth(): number {
    return this.undoStack.length;
  }

  get redoDepth(): number {
    return this.redoStack.length;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  /** Label of the step that Ctrl+Z would undo, for tooltips. */
  get nextUndoLabel(): string | null {
    return this.undoStack.at(-1)?.label ?? null;
  }

  get nextRedoLabel(): string | null {
    return this.redoStack.at(-1)?.label ?? null;
  }

  /**
   * Records the change from `before` to `after`. `hint` limits the diff scan
   * to the area an operation could have touched. Returns the changed box, or
   * null when nothing changed (no step is recorded then).
   */
  record(before: Uint8Array, after: Uint8Array, label: string, hint?: Rect | null): Rect | null {
    const rect = diffRect(before, after, this.W, this.H, hint ?? null);
    if (!rect) return null;
    const entry: HistoryEntry = {
      rect,
      before: encodeRegion(before, this.W, rect),
      after: encodeRegion(after, this.W, rect),
      label,
    };
    this.undoStack.push(entry);
    this.bytes += entryBytes(entry);
    for (const e of this.redoStack) this.bytes -= entryBytes(e);
    this.redoStack = [];
    while (this.undoStack.length > this.maxSteps || (this.bytes > this.maxBytes && this.undoStack.length > 1)) {
      const dropped = this.undoStack.shift()!;
      this.bytes -= entryBytes(dropped);
    }
    return rect;
  }

  /** Applies the inverse of the last step to `mask`; returns the changed box. */
  undo(mask: Uint8Array): HistoryEntry | null {
    const e = this.undoStack.pop();
    if (!e) return null;
    decodeRegion(e.before, mask, this.W, e.rect);
    this.redoStack.push(e);
    return e;
  }

  redo(mask: Uint8Array): HistoryEntry | null {
    const e = this.redoStack.pop();
    if (!e) return null;
    decodeRegion(e.after, mask, this.W, e.rect);
    this.undoStack.push(e);
    return e;
  }

  clear(): void {
    this.undoStack = [];
    this.redoStack = [];
    this.bytes = 0;
  }
}

function entryBytes(e: HistoryEntry): number {
  return e.before.byteLength + e.after.byteLength + 64;
}
