/**
 * Undo/redo for a label mask. Each step stores only the bounding box of the
 * pixels that changed, run-length encoded before and after, so a brush dab
 * costs a few hundred bytes instead of a full 448×448 snapshot and hundreds
 * of steps fit comfortably in memory.
 */

import { diffRect, unionRect, type Rect } from './raster';

/**
 * Run lengths of a rectangular region. Runs alternate background (0) and
 * labelled pixels, starting with background, exactly as for a binary mask;
 * where two labels touch, an empty background run separates them. `labels`
 * holds the value of each labelled run, or is null when all are 1, so a
 * nucleus-only mask costs nothing beyond its runs.
 */
export interface RegionRuns {
  runs: Uint32Array;
  labels: Uint8Array | Uint16Array | null;
}

export interface HistoryEntry {
  rect: Rect;
  before: RegionRuns;
  after: RegionRuns;
  /** The instance ids of the same box, when the mask has them. */
  idsBefore?: RegionRuns;
  idsAfter?: RegionRuns;
  label: string;
}

type Pixels = Uint8Array | Uint16Array;

export function encodeRegionRuns(mask: Pixels, W: number, r: Rect): RegionRuns {
  const runs: number[] = [];
  const labels: number[] = [];
  let onlyOnes = true;
  let wide = false;
  let current = 0;
  let len = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * W;
    for (let x = r.x; x < r.x + r.w; x++) {
      const v = mask[row + x]!;
      if (v === current) {
        len++;
        continue;
      }
      runs.push(len);
      if (v && current) runs.push(0);
      if (v) {
        labels.push(v);
        if (v !== 1) onlyOnes = false;
        if (v > 255) wide = true;
      }
      current = v;
      len = 1;
    }
  }
  runs.push(len);
  return { runs: Uint32Array.from(runs), labels: onlyOnes ? null : wide ? Uint16Array.from(labels) : Uint8Array.from(labels) };
}

/** The run lengths alone (binary masks: alternating 0-runs and 1-runs, starting with 0). */
export function encodeRegion(mask: Uint8Array, W: number, r: Rect): Uint32Array {
  return encodeRegionRuns(mask, W, r).runs;
}

export function decodeRegion(runs: Uint32Array, mask: Pixels, W: number, r: Rect, labels: Uint8Array | Uint16Array | null = null): void {
  let value = 0;
  let k = 0;
  let labelled = 0;
  let left = runs[0] ?? 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * W;
    for (let x = r.x; x < r.x + r.w; x++) {
      while (left === 0 && k < runs.length - 1) {
        k++;
        left = runs[k]!;
        value = k & 1 ? (labels ? labels[labelled++]! : 1) : 0;
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
  record(before: Uint8Array, after: Uint8Array, label: string, hint?: Rect | null, ids?: { before: Uint16Array; after: Uint16Array }): Rect | null {
    const rect = unionRect(diffRect(before, after, this.W, this.H, hint ?? null), ids ? diffRect(ids.before, ids.after, this.W, this.H, hint ?? null) : null);
    if (!rect) return null;
    const entry: HistoryEntry = {
      rect,
      before: encodeRegionRuns(before, this.W, rect),
      after: encodeRegionRuns(after, this.W, rect),
      label,
    };
    if (ids) {
      entry.idsBefore = encodeRegionRuns(ids.before, this.W, rect);
      entry.idsAfter = encodeRegionRuns(ids.after, this.W, rect);
    }
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

  /** Applies the inverse of the last step to `mask`; returns the step. */
  undo(mask: Uint8Array, ids?: Uint16Array): HistoryEntry | null {
    return this.travel(this.undoStack, this.redoStack, 'before', mask, ids);
  }

  redo(mask: Uint8Array, ids?: Uint16Array): HistoryEntry | null {
    return this.travel(this.redoStack, this.undoStack, 'after', mask, ids);
  }

  private travel(from: HistoryEntry[], to: HistoryEntry[], side: 'before' | 'after', mask: Uint8Array, ids?: Uint16Array): HistoryEntry | null {
    const e = from.pop();
    if (!e) return null;
    decodeRegion(e[side].runs, mask, this.W, e.rect, e[side].labels);
    const idRuns = side === 'before' ? e.idsBefore : e.idsAfter;
    if (ids && idRuns) decodeRegion(idRuns.runs, ids, this.W, e.rect, idRuns.labels);
    to.push(e);
    return e;
  }

  clear(): void {
    this.undoStack = [];
    this.redoStack = [];
    this.bytes = 0;
  }
}

function entryBytes(e: HistoryEntry): number {
  const size = (r?: RegionRuns) => (r ? r.runs.byteLength + (r.labels?.byteLength ?? 0) : 0);
  return size(e.before) + size(e.after) + size(e.idsBefore) + size(e.idsAfter) + 64;
}
