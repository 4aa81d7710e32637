/**
 * Pure instance work on the editor's two buffers: `data` (class value per
 * pixel, 0 background) and `ids` (instance id per pixel of an instance class,
 * 0 elsewhere). Tools paint a 0/1 coverage buffer; `applyCover` writes it as
 * one class and one instance under the project's painting rule. `cutInstances`
 * splits instances along a drawn line; `numberComponents` numbers the objects
 * of a mask stored without ids. No DOM, so all of it is tested on small buffers.
 */

import { Box, type Rect } from './raster';

export type PaintRule = 'replace' | 'background';

/** What a stroke writes: a class value (0 erases) and the instance id (0 for region classes). */
export interface PaintTarget {
  value: number;
  id: number;
}

/**
 * Writes `target` where `cover` is set inside `rect`, then clears `cover` there.
 * With the rule `background` a stroke paints only background and its own
 * instance, never over another class or another instance. Erasing (value 0)
 * clears any class. Returns the rect when anything may have changed.
 */
export function applyCover(
  data: Uint8Array,
  ids: Uint16Array,
  cover: Uint8Array,
  W: number,
  rect: Rect | null,
  target: PaintTarget,
  rule: PaintRule,
): Rect | null {
  if (!rect) return null;
  const { value, id } = target;
  const onlyBackground = rule === 'background' && value !== 0;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let i = y * W + rect.x, end = i + rect.w; i < end; i++) {
      if (!cover[i]) continue;
      cover[i] = 0;
      if (onlyBackground && data[i] !== 0 && !(data[i] === value && ids[i] === id)) continue;
      data[i] = value;
      ids[i] = id;
    }
  }
  return rect;
}

export function maxId(ids: Uint16Array): number {
  let m = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i]! > m) m = ids[i]!;
  return m;
}

/**
 * Labels the 4-connected parts of the pixels where `inside(i)` holds into
 * `out` (1, 2, ...); returns how many there are.
 */
function components(W: number, H: number, inside: (i: number) => boolean, out: Int32Array): number {
  const stack = new Int32Array(W * H);
  let n = 0;
  for (let start = 0; start < W * H; start++) {
    if (out[start] || !inside(start)) continue;
    n++;
    let sp = 0;
    stack[sp++] = start;
    out[start] = n;
    while (sp) {
      const i = stack[--sp]!;
      const x = i % W;
      const push = (j: number) => {
        if (!out[j] && inside(j)) {
          out[j] = n;
          stack[sp++] = j;
        }
      };
      if (x > 0) push(i - 1);
      if (x < W - 1) push(i + 1);
      if (i >= W) push(i - W);
      if (i < W * (H - 1)) push(i + W);
    }
  }
  return n;
}

/**
 * Gives every object of an instance class its own id: the 4-connected parts of
 * each instance class, as the server numbers a mask stored without ids.
 */
export function numberComponents(data: Uint8Array, ids: Uint16Array, W: number, H: number, isInstance: (v: number) => boolean): void {
  ids.fill(0);
  const parts = new Int32Array(W * H);
  let next = 0;
  for (let v = 1; v < 256; v++) {
    if (!isInstance(v) || !data.includes(v)) continue;
    parts.fill(0);
    const n = components(W, H, (i) => data[i] === v, parts);
    for (let i = 0; i < parts.length; i++) if (parts[i]) ids[i] = Math.min(65535, next + parts[i]!);
    next += n;
  }
}

/**
 * Fills the holes enclosed by the mask (`holes`: 1 on each enclosed background pixel) with
 * instance class `value`. Each hole (a 4-connected part) joins the instance of `value` with the
 * most pixels on its rim, so a hole in a nucleus becomes part of that nucleus; a hole that no
 * instance of `value` borders becomes a new instance of its own (`fresh()`). Returns the box of
 * what changed.
 */
export function fillHolesWithInstances(data: Uint8Array, ids: Uint16Array, W: number, H: number, holes: Uint8Array, value: number, fresh: () => number): Rect | null {
  const parts = new Int32Array(W * H);
  const n = components(W, H, (i) => holes[i] === 1, parts);
  const rim = Array.from({ length: n + 1 }, () => new Map<number, number>());
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i]!;
    if (!k) continue;
    const x = i % W;
    for (const j of [x > 0 ? i - 1 : -1, x < W - 1 ? i + 1 : -1, i - W, i + W]) {
      if (j < 0 || j >= W * H || parts[j] || data[j] !== value || !ids[j]) continue;
      rim[k]!.set(ids[j]!, (rim[k]!.get(ids[j]!) ?? 0) + 1);
    }
  }
  const owner = new Int32Array(n + 1);
  for (let k = 1; k <= n; k++) {
    let best = 0;
    for (const [id, count] of rim[k]!) if (!best || count > rim[k]!.get(best)! || (count === rim[k]!.get(best)! && id < best)) best = id;
    owner[k] = best;
  }
  const box = new Box();
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i]!;
    if (!k) continue;
    owner[k] ||= fresh();
    data[i] = value;
    ids[i] = owner[k]!;
    const x = i % W;
    box.add((i - x) / W, x, x);
  }
  return box.rect();
}

/**
 * Splits the instances a line crosses. For each instance under the line, its
 * pixels off the line fall into 4-connected parts; each part becomes its own
 * instance (the largest keeps the id), and every line pixel of the instance
 * joins the part nearest to it. Returns the box of what changed and how many
 * new instances were made (0: the line cut nothing apart).
 */
export function cutInstances(ids: Uint16Array, W: number, H: number, line: Uint8Array): { rect: Rect | null; made: number } {
  const crossed = new Set<number>();
  for (let i = 0; i < line.length; i++) if (line[i] && ids[i]) crossed.add(ids[i]!);
  let next = maxId(ids) + 1;
  let made = 0;
  const box = new Box();
  for (const id of crossed) {
    const parts = new Int32Array(W * H);
    const n = components(W, H, (i) => ids[i] === id && !line[i], parts);
    if (n < 2) continue;
    const sizes = new Int32Array(n + 1);
    for (let i = 0; i < parts.length; i++) sizes[parts[i]!]!++;
    let keep = 1;
    for (let k = 2; k <= n; k++) if (sizes[k]! > sizes[keep]!) keep = k;
    const newId = new Int32Array(n + 1);
    for (let k = 1; k <= n; k++) newId[k] = k === keep ? id : Math.min(65535, next++);
    made += n - 1;
    // Line pixels of this instance go to the nearest part: a breadth-first flood from all parts.
    let frontier: number[] = [];
    for (let i = 0; i < parts.length; i++) if (parts[i]) frontier.push(i);
    while (frontier.length) {
      const grown: number[] = [];
      for (const i of frontier) {
        const x = i % W;
        for (const j of [x > 0 ? i - 1 : -1, x < W - 1 ? i + 1 : -1, i - W, i + W]) {
          if (j < 0 || j >= W * H || parts[j] || ids[j] !== id || !line[j]) continue;
          parts[j] = parts[i]!;
          grown.push(j);
        }
      }
      frontier = grown;
    }
    for (let i = 0; i < parts.length; i++) {
      const k = parts[i]!;
      if (!k || newId[k] === id) continue;
      ids[i] = newId[k]!;
      const x = i % W;
      box.add((i - x) / W, x, x);
    }
  }
  return { rect: box.rect(), made };
}
