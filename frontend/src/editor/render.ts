/**
 * Pure pixel work for the renderer: label masks and heat maps to RGBA for
 * putImageData. A translucent fill plus an opaque one-pixel outline where a
 * label touches anything else. Pure so it can be timed and tested without a
 * canvas.
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

/**
 * RGB by label value, 4 bytes a value (r, g, b, unused), so the inner loop
 * reads colours without a lookup per pixel. Values without an entry get
 * `fallback`.
 */
export function buildPalette(entries: readonly { value: number; rgb: Rgb }[], fallback: Rgb): Uint8Array {
  const lut = new Uint8Array(256 * 4);
  for (let v = 1; v < 256; v++) lut.set([fallback.r, fallback.g, fallback.b, 255], v * 4);
  for (const e of entries) lut.set([e.rgb.r, e.rgb.g, e.rgb.b, 255], e.value * 4);
  return lut;
}

export function renderMaskRgba(
  mask: Uint8Array,
  W: number,
  H: number,
  r: Rect,
  out: Uint8ClampedArray,
  palette: Uint8Array,
  style: MaskStyle,
  fillAlpha = 80,
  ids: Uint16Array | null = null,
): void {
  out.fill(0);
  if (style === 'hidden') return;
  const fa = style === 'fill' ? fillAlpha : 0;
  // Touching instances differ by id: an outline between them, each in its own shade.
  const same = ids ? (i: number, j: number) => mask[j] === mask[i] && ids[j] === ids[i] : (i: number, j: number) => mask[j] === mask[i];
  let o = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * W;
    const top = y > 0;
    const bottom = y < H - 1;
    for (let x = r.x; x < r.x + r.w; x++, o += 4) {
      const i = row + x;
      const v = mask[i]!;
      if (!v) continue;
      const edge = x === 0 || x === W - 1 || !top || !bottom || !same(i, i - 1) || !same(i, i + 1) || !same(i, i - W) || !same(i, i + W);
      if (!edge && fa === 0) continue;
      const p = v * 4;
      const id = ids ? ids[i]! : 0;
      if (id) {
        const t = tintOffset(id);
        out[o] = (palette[p]! * 0.55 + INSTANCE_TINTS[t]! * 0.45) | 0;
        out[o + 1] = (palette[p + 1]! * 0.55 + INSTANCE_TINTS[t + 1]! * 0.45) | 0;
        out[o + 2] = (palette[p + 2]! * 0.55 + INSTANCE_TINTS[t + 2]! * 0.45) | 0;
      } else {
        out[o] = palette[p]!;
        out[o + 1] = palette[p + 1]!;
        out[o + 2] = palette[p + 2]!;
      }
      out[o + 3] = edge ? 235 : fa;
    }
  }
}

/** Tints mixed 45 % into the class colour, one per instance id (cycling): touching instances stand apart. */
export const INSTANCE_TINTS = Uint8Array.from([255, 255, 255, 255, 64, 160, 255, 214, 0, 64, 96, 255, 0, 200, 90, 255, 120, 0, 160, 64, 255]);

/** Where instance `id`'s tint starts in INSTANCE_TINTS: three bytes a tint, the tints taken in turn. */
export function tintOffset(id: number): number {
  return (id % (INSTANCE_TINTS.length / 3)) * 3;
}

/** The colour instance `id` of a class drawn in `base` is shown in (0: the class colour itself). */
export function instanceShade(base: Rgb, id: number): Rgb {
  if (!id) return base;
  const t = tintOffset(id);
  const mix = (a: number, b: number) => (a * 0.55 + b * 0.45) | 0;
  return { r: mix(base.r, INSTANCE_TINTS[t]!), g: mix(base.g, INSTANCE_TINTS[t + 1]!), b: mix(base.b, INSTANCE_TINTS[t + 2]!) };
}

export interface HeatLayer {
  heat: ArrayLike<number>;
  heatMax?: number;
}

/** Per-pixel counts as yellow (few) to red (all), stronger with more disagreement; 0 stays transparent. */
export function renderHeatRgba(layers: readonly HeatLayer[], n: number, out: Uint8ClampedArray): void {
  for (const o of layers) {
    const values = o.heat;
    let max = o.heatMax ?? 0;
    if (!max) for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!);
    if (!max) continue;
    const len = Math.min(values.length, n);
    for (let i = 0; i < len; i++) {
      const v = values[i]!;
      if (!v) continue;
      const t = Math.min(1, v / max);
      const o4 = i * 4;
      out[o4] = 255;
      out[o4 + 1] = Math.round(220 * (1 - t));
      out[o4 + 2] = 0;
      out[o4 + 3] = Math.max(out[o4 + 3]!, Math.round(70 + 130 * t));
    }
  }
}
