import { decode, encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, decodeGray, encodeMaskPng, maskToPngBase64, pngBase64ToMask, resizeMask } from '../src/editor/png';
import { fillPolygon } from '../src/editor/raster';

const W = 448;
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;
const H = 448;

function sampleMask(): Uint8Array {
  const m = new Uint8Array(W * H);
  fillPolygon(m, W, H, [[40, 40], [300, 60], [380, 390], [70, 300]], 1);
  fillPolygon(m, W, H, [[150, 150], [200, 150], [200, 200], [150, 200]], 0);
  return m;
}

describe('mask PNG', () => {
  it('round-trips exactly through base64', () => {
    const m = sampleMask();
    const b64 = maskToPngBase64(m, W, H);
    const d = pngBase64ToMask(b64);
    expect(d.width).toBe(W);
    expect(d.height).toBe(H);
    expect(same(d.mask, m)).toBe(true);
    // Also accepts a data: URL.
    expect(same(pngBase64ToMask(`data:image/png;base64,${b64}`).mask, m)).toBe(true);
  });

  it('writes an 8-bit grayscale PNG with values exactly 0 or 255', () => {
    const png = decode(encodeMaskPng(sampleMask(), W, H));
    expect(png.channels).toBe(1);
    expect(png.depth).toBe(8);
    const values = new Set(png.data);
    expect([...values].sort((a, b) => a - b)).toEqual([0, 255]);
  });

  it('decodes RGBA, 1-bit, 16-bit and palette PNGs from the server', () => {
    const w = 10;
    const h = 3;
    const on = (x: number, y: number) => (x + y) % 3 === 0;
    const rgba = new Uint8Array(w * h * 4);
    const bits: number[] = [];
    const g16 = new Uint16Array(w * h);
    const idx = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const v = on(x, y) ? 255 : 0;
        rgba.set([v, v, v, 255], i * 4);
        g16[i] = on(x, y) ? 65535 : 0;
        idx[i] = on(x, y) ? 1 : 0;
        bits.push(on(x, y) ? 1 : 0);
      }
    }
    const expected = Uint8Array.from(bits);
    const check = (png: Uint8Array) => expect(pngBase64ToMask(bytesToBase64(png)).mask).toEqual(expected);
    check(encode({ width: w, height: h, data: rgba, channels: 4, depth: 8 }));
    check(encode({ width: w, height: h, data: g16, channels: 1, depth: 16 }));
    // 1-bit grayscale, packed MSB first, rows padded to a byte.
    const stride = Math.ceil(w / 8);
    const packed = new Uint8Array(stride * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (on(x, y)) packed[y * stride + (x >> 3)]! |= 0x80 >> (x & 7);
    check(encode({ width: w, height: h, data: packed, channels: 1, depth: 1 }));
    check(encode({ width: w, height: h, data: idx, channels: 1, depth: 8, palette: [[0, 0, 0], [255, 255, 255]] }));
    // 0/1-valued gray masks count as masks too.
    check(encode({ width: w, height: h, data: expected, channels: 1, depth: 8 }));
  });

  it('keeps raw counts for the disagreement map', () => {
    const data = Uint8Array.from([0, 1, 2, 3]);
    const g = decodeGray(encode({ width: 2, height: 2, data, channels: 1, depth: 8 }));
    expect(Array.from(g.data)).toEqual([0, 1, 2, 3]);
  });

  it('base64 helpers survive large buffers', () => {
    const bytes = new Uint8Array(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 255;
    expect(same(base64ToBytes(bytesToBase64(bytes)), bytes)).toBe(true);
  });

  it('resizes by nearest neighbour', () => {
    const m = Uint8Array.from([1, 0, 0, 1]);
    expect(Array.from(resizeMask(m, 2, 2, 4, 4))).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
  });
});
