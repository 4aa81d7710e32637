/**
 * Traces the boundary of a binary mask along pixel edges into closed loops of
 * integer grid vertices. The loops follow the exact pixel boundary, so a
 * contour drawn from them matches the mask at any zoom level.
 *
 * Outer boundaries run clockwise (screen coordinates, y down) and hole
 * boundaries counter-clockwise. Diagonally touching pixels are joined
 * (8-connected foreground), consistent with hole filling in raster.ts.
 */

export type Loop = number[]; // flat [x0, y0, x1, y1, ...], implicitly closed

const EAST = 0;
const SOUTH = 1;
const WEST = 2;
const NORTH = 3;
const DX = [1, 0, -1, 0] as const;
const DY = [0, 1, 0, -1] as const;

export function traceContours(mask: ArrayLike<number>, W: number, H: number): Loop[] {
  const VW = W + 1;
  const out = new Uint8Array(VW * (H + 1)); // bit d set: an unused edge leaves this vertex in direction d
  let edges = 0;
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < W && y < H && mask[y * W + x] !== 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (!mask[y * W + x]) continue;
      if (!on(x, y - 1)) {
        out[y * VW + x]! |= 1 << EAST;
        edges++;
      }
      if (!on(x + 1, y)) {
        out[y * VW + x + 1]! |= 1 << SOUTH;
        edges++;
      }
      if (!on(x, y + 1)) {
        out[(y + 1) * VW + x + 1]! |= 1 << WEST;
        edges++;
      }
      if (!on(x - 1, y)) {
        out[(y + 1) * VW + x]! |= 1 << NORTH;
        edges++;
      }
    }
  }
  const loops: Loop[] = [];
  if (edges === 0) return loops;

  const trace = (start: number) => {
    const loop: number[] = [];
    let v = start;
    let heading = -1;
    for (;;) {
      const bits = out[v]!;
      if (bits === 0) break;
      let d: number;
      if ((bits & (bits - 1)) === 0) {
        d = 31 - Math.clz32(bits);
      } else {
        // Saddle vertex: turning left keeps diagonal neighbours in one loop.
        const left = (heading + 3) & 3;
        d = heading >= 0 && bits & (1 << left) ? left : 31 - Math.clz32(bits & -bits);
      }
      out[v]! &= ~(1 << d);
      if (d !== heading) loop.push(v % VW, Math.floor(v / VW));
      heading = d;
      v += DX[d]! + DY[d]! * VW;
    }
    // The first vertex repeats as the last turn when the loop started mid-edge.
    if (loop.length >= 4 && loop[0] === loop[loop.length - 2] && loop[1] === loop[loop.length - 1]) {
      loop.length -= 2;
    }
    if (loop.length >= 6) loops.push(loop);
  };

  // Raster order finds the top-left corner of each loop first, a plain
  // (non-saddle) vertex where the walk can start unambiguously.
  for (let v = 0; v < out.length; v++) {
    while (out[v] && (out[v]! & (out[v]! - 1)) === 0) trace(v);
  }
  for (let v = 0; v < out.length; v++) {
    while (out[v]) trace(v);
  }
  return loops;
}

/** Signed area of a loop (positive for clockwise in screen coordinates). */
export function loopArea(loop: Loop): number {
  let a = 0;
  const n = loop.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    a += loop[2 * i]! * loop[2 * j + 1]! - loop[2 * j]! * loop[2 * i + 1]!;
  }
  return a / 2;
}

/** Converts `[[x, y], ...]` polylines (as sent by the server) to flat loops. */
export function loopsFromPoints(contours: ReadonlyArray<ReadonlyArray<readonly [number, number] | number[]>>): Loop[] {
  return contours.map((c) => {
    const flat: number[] = [];
    for (const p of c) flat.push(Number(p[0]), Number(p[1]));
    return flat;
  });
}

export { EAST, SOUTH, WEST, NORTH };
