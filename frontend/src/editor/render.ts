/**
 * Converts a rectangle of the binary mask to RGBA for putImageData: a
 * translucent fill plus an opaque one-pixel outline on foreground pixels that
 * touch background. Pure so it can be timed and tested without a canvas.
 */

import type { Rect } from './raster';

export type MaskStyle = 'fill' | 'outline' | 'hidden';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export function parseColour(c: string, fallback: Rgb = { r: 0, g: 229, b: 255 }): Rgb {
  const s = c.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) {
    const [r, g, b] = m[1]!.split('').map((d) => parseInt(d + d, 16));
    return { r: r!, g: g!, b: b! };
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(s);
  if (m) {
    const n = parseInt(m[1]!, 16);
    return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
  }
  m = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(s);
  if (m) return { r: +m[1]!, g: +m[2]!, b: +m[3]! };
  return fallback;
}

export function rgba(c: Rgb, a: number): string {
  return `rgba(${c.r},${c.g},${c.b},${a})`;
}

export function renderMaskRgba(
  mask: Uint8Array,
  W: number,
  H: number,
  r: Rect,
  out: Uint8ClampedArray,
  colour: Rgb,
  style: MaskStyle,
  fillAlpha = 80,
): void {
  out.fill(0);
  if (style === 'hidden') return;
  const fa = style === 'fill' ? fillAlpha : 0;
  const { r: cr, g: cg, b: cb } = colour;
  let o = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * W;
    const top = y > 0;
    const bottom = y < H - 1;
    for (let x = r.x; x < r.x + r.w; x++, o += 4) {
      const i = row + x;
      if (!mask[i]) continue;
      const edge =
        x === 0 || x === W - 1 || !top || !bottom || !mask[i - 1] || !mask[i + 1] || !mask[i - W] || !mask[i + W];
      if (!edge && fa === 0) continue;
      out[o] = cr;
      out[o + 1] = cg;
      out[o + 2] = cb;
      out[o + 3] = edge ? 235 : fa;
    }
  }
}
