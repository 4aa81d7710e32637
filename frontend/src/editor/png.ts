/**
 * Mask <-> PNG conversion without a canvas, so the result is bit-exact and
 * the same code runs in tests. Masks are written as binary 8-bit grayscale
 * PNGs: background 0, every label 255 (what the server stores today). Decoding
 * accepts any PNG colour type and bit depth the server might produce
 * (grayscale, 1-bit, palette, RGB(A), 16-bit) and gives 0/1, 1 being the
 * nucleus label.
 */

import { decode, encode } from 'fast-png';

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const comma = b64.startsWith('data:') ? b64.indexOf(',') : -1;
  const clean = (comma >= 0 ? b64.slice(comma + 1) : b64).replace(/\s+/g, '');
  const s = atob(clean);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function encodeMaskPng(mask: Uint8Array, W: number, H: number): Uint8Array {
  if (mask.length !== W * H) throw new Error(`mask has ${mask.length} pixels, expected ${W}×${H}`);
  const data = new Uint8Array(W * H);
  for (let i = 0; i < data.length; i++) data[i] = mask[i] ? 255 : 0;
  return encode({ width: W, height: H, data, channels: 1, depth: 8 });
}

export function maskToPngBase64(mask: Uint8Array, W: number, H: number): string {
  return bytesToBase64(encodeMaskPng(mask, W, H));
}

export interface GrayImage {
  width: number;
  height: number;
  /** One value per pixel, in the PNG's own range (0..255 for 8-bit). */
  data: Uint16Array;
}

/**
 * Decodes a PNG to one value per pixel: the gray level for grayscale images,
 * the largest of R, G, B for colour images, and 0 where alpha is 0.
 */
export function decodeGray(bytes: Uint8Array): GrayImage {
  const png = decode(bytes);
  const { width, height, depth, channels } = png;
  const src = png.data;
  const out = new Uint16Array(width * height);
  const palette = png.palette;
  const hasAlpha = !palette && (channels === 2 || channels === 4);
  const colourChannels = palette ? 1 : hasAlpha ? channels - 1 : channels;

  const sample = depth < 8 ? unpacker(src as Uint8Array, width, channels, depth) : null;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const read = (c: number) => (sample ? sample(x, y, c) : src[p * channels + c]!);
      let v: number;
      if (palette) {
        const entry = palette[read(0)] ?? [0, 0, 0];
        v = Math.max(entry[0] ?? 0, entry[1] ?? 0, entry[2] ?? 0);
        const alpha = png.transparency?.[read(0)];
        if (entry.length > 3 ? entry[3] === 0 : alpha === 0) v = 0;
      } else {
        v = read(0);
        for (let c = 1; c < colourChannels; c++) v = Math.max(v, read(c));
        if (hasAlpha && read(channels - 1) === 0) v = 0;
      }
      out[p] = v;
    }
  }
  return { width, height, data: out };
}

/** Reads samples of sub-byte bit depths, which the decoder leaves packed. */
function unpacker(data: Uint8Array, width: number, channels: number, depth: number) {
  const stride = Math.ceil((width * channels * depth) / 8);
  const maxv = (1 << depth) - 1;
  return (x: number, y: number, c: number): number => {
    const bit = (x * channels + c) * depth;
    const byte = data[y * stride + (bit >> 3)]!;
    return (byte >> (8 - depth - (bit & 7))) & maxv;
  };
}

export interface DecodedMask {
  width: number;
  height: number;
  mask: Uint8Array;
}

/** Any non-zero pixel counts as foreground, so 0/1 and 0/255 masks both work. */
export function pngBase64ToMask(b64: string): DecodedMask {
  const img = decodeGray(base64ToBytes(b64));
  const mask = new Uint8Array(img.width * img.height);
  for (let i = 0; i < mask.length; i++) mask[i] = img.data[i]! > 0 ? 1 : 0;
  return { width: img.width, height: img.height, mask };
}

/**
 * Resamples one value per pixel to another size by nearest neighbour, for the
 * rare case where a stored mask or map does not match the section size.
 */
export function resizeMask<T extends Uint8Array | Uint16Array>(src: T, sw: number, sh: number, dw: number, dh: number): T {
  if (sw === dw && sh === dh) return src;
  const out = new (src.constructor as new (n: number) => T)(dw * dh);
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / dh));
    for (let x = 0; x < dw; x++) {
      const sx = Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / dw));
      out[y * dw + x] = src[sy * sw + sx]!;
    }
  }
  return out;
}

/** A base64 mask PNG as a W×H 0/1 mask, resampled if the PNG has another size. */
export function pngBase64ToMaskOfSize(b64: string, W: number, H: number): Uint8Array {
  const d = pngBase64ToMask(b64);
  return resizeMask(d.mask, d.width, d.height, W, H);
}
