/**
 * Pure raster operations on a label mask stored as a Uint8Array (0 =
 * background, otherwise a label value; see labels.ts), row-major, width W
 * and height H. Painting functions take the value to write.
 *
 * A pixel (x, y) is covered by a shape when its centre (x + 0.5, y + 0.5) is
 * inside the shape. This keeps every operation exact and reproducible: no
 * antialiasing, so the saved mask is exactly what the user saw.
 *
 * Every mutating function returns the bounding rectangle of the pixels it
 * may have touched (or null) so the caller can redraw and diff only that.
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Pt = readonly [number, number];

export function unionRect(a: Rect | null, b: Rect | null): Rect | null {
  if (!a) return b ? { ...b } : null;
  if (!b) return { ...a };
  const x0 = Math.min(a.x, b.x);
  const y0 = Math.min(a.y, b.y);
  const x1 = Math.max(a.x + a.w, b.x + b.w);
  const y1 = Math.max(a.y + a.h, b.y + b.h);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

export function clipRect(r: Rect, W: number, H: number): Rect | null {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(W, Math.ceil(r.x + r.w));
  const y1 = Math.min(H, Math.ceil(r.y + r.h));
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

export function expandRect(r: Rect, by: number, W: number, H: number): Rect | null {
  return clipRect({ x: r.x - by, y: r.y - by, w: r.w + 2 * by, h: r.h + 2 * by }, W, H);
}

export function fullRect(W: number, H: number): Rect {
  return { x: 0, y: 0, w: W, h: H };
}

/** Grows the bounding box of touched pixels one run at a time. */
export class Box {
  private x0 = Infinity;
  private x1 = -Infinity;
  private y0 = Infinity;
  private y1 = -Infinity;

  add(y: number, first: number, last: number): void {
    if (first < this.x0) this.x0 = first;
    if (last > this.x1) this.x1 = last;
    if (y < this.y0) this.y0 = y;
    if (y > this.y1) this.y1 = y;
  }

  rect(): Rect | null {
    if (this.x1 < this.x0) return null;
    return { x: this.x0, y: this.y0, w: this.x1 - this.x0 + 1, h: this.y1 - this.y0 + 1 };
  }
}

export function countOn(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] ? 1 : 0;
  return n;
}

/** Whether two masks (or two instance-id buffers) hold the same pixels. */
export function sameMask(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export type FillRule = 'nonzero' | 'evenodd';

/**
 * Scanline polygon fill. Points are in continuous pixel coordinates (the
 * top-left corner of pixel (0,0) is (0,0)). With the default nonzero rule a
 * self-intersecting lasso still fills everything it encloses, which is what
 * people expect from a freehand outline.
 */
export function fillPolygon(
  mask: Uint8Array,
  W: number,
  H: number,
  pts: readonly Pt[],
  value: number,
  rule: FillRule = 'nonzero',
): Rect | null {
  const n = pts.length;
  if (n < 3) return null;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [, y] of pts) {
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const yStart = Math.max(0, Math.ceil(minY - 0.5));
  const yEnd = Math.min(H - 1, Math.floor(maxY - 0.5));
  if (yEnd < yStart) return null;

  const xs = new Float64Array(n);
  const dirs = new Int8Array(n);
  const box = new Box();

  for (let y = yStart; y <= yEnd; y++) {
    const yc = y + 0.5;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const a = pts[i]!;
      const b = pts[i + 1 === n ? 0 : i + 1]!;
      const ay = a[1];
      const by = b[1];
      let dir: number;
      // Half-open rule so a vertex exactly on a scanline is counted once.
      if (ay <= yc && by > yc) dir = 1;
      else if (by <= yc && ay > yc) dir = -1;
      else continue;
      const x = a[0] + ((yc - ay) * (b[0] - a[0])) / (by - ay);
      // Insertion sort: scanlines cross few edges.
      let k = count++;
      while (k > 0 && xs[k - 1]! > x) {
        xs[k] = xs[k - 1]!;
        dirs[k] = dirs[k - 1]!;
        k--;
      }
      xs[k] = x;
      dirs[k] = dir;
    }
    let winding = 0;
    const row = y * W;
    for (let k = 0; k < count - 1; k++) {
      winding += dirs[k]!;
      const inside = rule === 'nonzero' ? winding !== 0 : (k & 1) === 0;
      if (!inside) continue;
      const px0 = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const px1 = Math.min(W - 1, Math.ceil(xs[k + 1]! - 0.5) - 1);
      if (px1 < px0) continue;
      mask.fill(value, row + px0, row + px1 + 1);
      box.add(y, px0, px1);
    }
  }
  return box.rect();
}

/**
 * Where a brush of the given diameter is centred for a pointer position.
 * Odd diameters centre on a pixel centre and even ones on a pixel corner, so
 * a 1 px brush paints exactly the pixel under the cursor and every diameter
 * gives a symmetric footprint.
 */
export function brushCentre(v: number, diameter: number): number {
  const d = Math.max(1, Math.round(diameter));
  return d % 2 === 1 ? Math.floor(v) + 0.5 : Math.round(v);
}

/** Paints a disk: every pixel whose centre is within diameter/2 of (cx, cy). */
export function stampDisk(
  mask: Uint8Array,
  W: number,
  H: number,
  cx: number,
  cy: number,
  diameter: number,
  value: number,
): Rect | null {
  return stampSegment(mask, W, H, cx, cy, cx, cy, diameter, value);
}

/**
 * Paints the disk swept from (x0, y0) to (x1, y1): the exact union of disks
 * stamped at every point of the segment, so fast pointer moves leave no
 * gaps between events.
 */
export function stampSegment(
  mask: Uint8Array,
  W: number,
  H: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  diameter: number,
  value: number,
): Rect | null {
  const r = Math.max(0.5, diameter / 2);
  const r2 = r * r + 1e-9;
  const bounds = clipRect(
    {
      x: Math.min(x0, x1) - r - 1,
      y: Math.min(y0, y1) - r - 1,
      w: Math.abs(x1 - x0) + 2 * r + 2,
      h: Math.abs(y1 - y0) + 2 * r + 2,
    },
    W,
    H,
  );
  if (!bounds) return null;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const box = new Box();
  for (let y = bounds.y; y < bounds.y + bounds.h; y++) {
    const py = y + 0.5;
    let first = -1;
    let last = -2;
    for (let x = bounds.x; x < bounds.x + bounds.w; x++) {
      const px = x + 0.5;
      let t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
      if (t < 0) t = 0;
      else if (t > 1) t = 1;
      const ex = px - (x0 + t * dx);
      const ey = py - (y0 + t * dy);
      if (ex * ex + ey * ey <= r2) {
        if (first < 0) first = x;
        last = x;
      } else if (first >= 0) {
        // The swept disk is convex, so each row is a single run.
        break;
      }
    }
    if (first < 0) continue;
    mask.fill(value, y * W + first, y * W + last + 1);
    box.add(y, first, last);
  }
  return box.rect();
}

/**
 * Fills enclosed background with `value`. Background is flood-filled from the
 * image border with 4-connectivity; every background pixel not reached is
 * enclosed. Foreground (any label) is therefore treated as 8-connected: a
 * diagonal chain of pixels closes a hole, matching how the outline is drawn.
 */
export function fillHoles(mask: Uint8Array, W: number, H: number, value = 1): Rect | null {
  const reached = new Uint8Array(W * H);
  const stack = new Int32Array(W * H);
  let sp = 0;
  const seed = (i: number) => {
    if (!mask[i] && !reached[i]) {
      reached[i] = 1;
      stack[sp++] = i;
    }
  };
  for (let x = 0; x < W; x++) {
    seed(x);
    seed((H - 1) * W + x);
  }
  for (let y = 0; y < H; y++) {
    seed(y * W);
    seed(y * W + W - 1);
  }
  while (sp > 0) {
    const i = stack[--sp]!;
    const x = i % W;
    if (x > 0) seed(i - 1);
    if (x < W - 1) seed(i + 1);
    if (i >= W) seed(i - W);
    if (i < W * (H - 1)) seed(i + W);
  }
  const box = new Box();
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] || reached[i]) continue;
    mask[i] = value;
    const y = Math.floor(i / W);
    box.add(y, i - y * W, i - y * W);
  }
  return box.rect();
}

/** Bounding box of the pixels that differ between two masks, or null. */
export function diffRect(a: Uint8Array | Uint16Array, b: Uint8Array | Uint16Array, W: number, H: number, within?: Rect | null): Rect | null {
  const r = within ? clipRect(within, W, H) : fullRect(W, H);
  if (!r) return null;
  const box = new Box();
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * W;
    let first = -1;
    let last = -1;
    for (let x = r.x; x < r.x + r.w; x++) {
      if (a[row + x] === b[row + x]) continue;
      if (first < 0) first = x;
      last = x;
    }
    if (first >= 0) box.add(y, first, last);
  }
  return box.rect();
}
