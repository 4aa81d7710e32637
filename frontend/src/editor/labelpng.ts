/**
 * Label masks <-> PNG, in the server's formats (docs/labels.md, "Storage"):
 * an 8-bit class map (pixel = class value) for a label set without instance
 * classes, else a 16-bit instance map whose class table rides in a text chunk
 * (`cellweb:instance-classes`: "1:" then two hex digits per id, its class).
 * Region classes are written under one id each, so the map paints every class.
 * Decoding reads all of these and any binary mask (png.ts `decodeGray`).
 */

import { decode, encode } from 'fast-png';
import { unzlibSync } from 'fflate';
import { maxId } from './instances';
import type { LabelTable } from './labels';
import { decodeGray } from './png';

export const INSTANCE_CLASSES_KEY = 'cellweb:instance-classes';
const TABLE_VERSION = '1:';

export interface DecodedLabels {
  width: number;
  height: number;
  /** Class value per pixel (binary masks: 255 or 1 where drawn; LabelTable.coerce maps them). */
  classes: Uint8Array;
  /** Instance id per pixel, or null when the PNG stores none (number them by connected parts). */
  ids: Uint16Array | null;
}

export function encodeLabelPng(data: Uint8Array, ids: Uint16Array, W: number, H: number, table: LabelTable): Uint8Array {
  if (data.length !== W * H) throw new Error(`mask has ${data.length} pixels, expected ${W}×${H}`);
  if (!table.labels.some((l) => l.kind === 'instances')) return encode({ width: W, height: H, data: Uint8Array.from(data), channels: 1, depth: 8 });
  const out = new Uint16Array(W * H);
  const classOf: number[] = [];
  let top = maxId(ids);
  const regionIds = new Map<number, number>();
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!v) continue;
    let id = table.isInstance(v) ? ids[i]! : 0;
    if (!id) {
      id = regionIds.get(v) ?? ++top;
      regionIds.set(v, id);
    }
    out[i] = id;
    classOf[id] = v;
  }
  if (top > 65535) throw new Error('The mask holds more than 65,535 instances; a 16-bit label image holds at most 65,535.');
  let hex = TABLE_VERSION;
  for (let id = 1; id < classOf.length; id++) hex += (classOf[id] ?? 0).toString(16).padStart(2, '0');
  return textFirst(encode({ width: W, height: H, data: out, channels: 1, depth: 16, text: { [INSTANCE_CLASSES_KEY]: hex } }));
}

/** Moves the text chunks ahead of the pixels (the encoder writes them after), where readers look for the table before decoding. */
function textFirst(png: Uint8Array): Uint8Array {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Uint8Array[] = [];
  const texts: Uint8Array[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const end = at + 12 + view.getUint32(at);
    const chunk = png.subarray(at, end);
    (String.fromCharCode(...png.subarray(at + 4, at + 8)) === 'tEXt' ? texts : chunks).push(chunk);
    at = end;
  }
  const out = new Uint8Array(png.length);
  out.set(png.subarray(0, 8));
  let at = 8;
  for (const c of [chunks[0]!, ...texts, ...chunks.slice(1)]) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The class table of a label PNG (class value by id, index 0 unused), or null when it has none. */
export function readClassTable(bytes: Uint8Array): Uint8Array | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = (a: Uint8Array) => String.fromCharCode(...a);
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = latin1(bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    at += 12 + length;
    if (type === 'IEND') break;
    if (type !== 'tEXt' && type !== 'zTXt') continue;
    const nul = body.indexOf(0);
    if (nul < 0 || latin1(body.subarray(0, nul)) !== INSTANCE_CLASSES_KEY) continue;
    const raw = type === 'tEXt' ? body.subarray(nul + 1) : unzlibSync(body.subarray(nul + 2));
    let text = '';
    for (let i = 0; i < raw.length; i += 0x8000) text += latin1(raw.subarray(i, i + 0x8000));
    if (!text.startsWith(TABLE_VERSION)) throw new Error("The instance map's class table is in an unknown format.");
    const hex = text.slice(TABLE_VERSION.length);
    const table = new Uint8Array(hex.length / 2 + 1);
    for (let id = 1; id < table.length; id++) table[id] = parseInt(hex.slice(2 * id - 2, 2 * id), 16);
    return table;
  }
  return null;
}

export function decodeLabelPng(bytes: Uint8Array): DecodedLabels {
  const table = readClassTable(bytes);
  if (!table) {
    const img = decodeGray(bytes);
    const classes = new Uint8Array(img.data.length);
    for (let i = 0; i < classes.length; i++) classes[i] = Math.min(255, img.data[i]!);
    return { width: img.width, height: img.height, classes, ids: null };
  }
  const png = decode(bytes);
  const ids = Uint16Array.from(png.data as Uint16Array);
  const classes = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) classes[i] = table[ids[i]!] ?? 0;
  return { width: png.width, height: png.height, classes, ids };
}
