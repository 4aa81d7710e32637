/**
 * Development harness: the MaskEditor on a synthetic 448×448 refractive-index
 * section, no backend needed. Built as its own bundle (src/dev/main.ts), never
 * into app.js; used by bench/canvas.py, the browser smoke tests and for trying
 * the editor by hand (see frontend/README.md).
 */

import { WindowControl } from '../components/WindowControl';
import { workbench } from '../components/Workbench';
import { MaskEditor } from '../editor/MaskEditor';
import { countOn, fillPolygon } from '../editor/raster';
import { card, h } from '../lib/dom';

export interface HarnessConfig {
  module: 'harness';
  width?: number;
  height?: number;
  seed?: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** A plausible RI field: cytoplasm, a textured nucleus, nucleoli, lipid droplets. */
export function syntheticRi(W: number, H: number, seed = 7): Float32Array {
  const rand = rng(seed);
  const ri = new Float32Array(W * H);
  const cx = W * 0.5;
  const cy = H * 0.52;
  const blobs = Array.from({ length: 14 }, () => ({ x: rand() * W, y: rand() * H, r: 2 + rand() * 5, v: 0.01 + rand() * 0.03 }));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      let v = 1.337 + (rand() - 0.5) * 0.002;
      const dx = (x - cx) / (W * 0.36);
      const dy = (y - cy) / (H * 0.3);
      const wob = 1 + 0.06 * Math.sin(Math.atan2(dy, dx) * 5);
      const rc = Math.hypot(dx, dy) / wob;
      if (rc < 1) v += 0.013 * Math.min(1, (1 - rc) * 6) + 0.002 * Math.sin(x * 0.21) * Math.cos(y * 0.17);
      const nx = (x - cx + W * 0.04) / (W * 0.16);
      const ny = (y - cy + H * 0.02) / (H * 0.13);
      const rn = Math.hypot(nx, ny);
      if (rn < 1) v += 0.012 * Math.min(1, (1 - rn) * 8) + 0.003 * Math.sin(x * 0.5 + y * 0.3);
      for (const [ox, oy] of [
        [0.02, 0.01],
        [-0.05, -0.03],
      ]) {
        const d = Math.hypot(x - cx - ox! * W, y - cy - oy! * H);
        if (d < 9) v += 0.02 * (1 - d / 9);
      }
      ri[i] = v;
    }
  }
  for (const b of blobs) {
    const dx = b.x - cx;
    const dy = b.y - cy;
    if (Math.hypot(dx / (W * 0.34), dy / (H * 0.28)) > 1) continue;
    for (let y = Math.max(0, Math.floor(b.y - b.r)); y < Math.min(H, b.y + b.r); y++) {
      for (let x = Math.max(0, Math.floor(b.x - b.r)); x < Math.min(W, b.x + b.r); x++) {
        const d = Math.hypot(x - b.x, y - b.y);
        if (d < b.r) ri[y * W + x]! += b.v * (1 - d / b.r);
      }
    }
  }
  return ri;
}

export function riToDataUrl(ri: Float32Array, W: number, H: number, lo: number, hi: number): string {
  const c = document.createElement('canvas');
  c.width = W;
  c.height = H;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(W, H);
  const k = 255 / Math.max(1e-9, hi - lo);
  for (let i = 0; i < ri.length; i++) {
    const g = Math.max(0, Math.min(255, (ri[i]! - lo) * k));
    img.data[i * 4] = g;
    img.data[i * 4 + 1] = g;
    img.data[i * 4 + 2] = g;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c.toDataURL('image/png');
}

function ellipseMask(W: number, H: number, cx: number, cy: number, rx: number, ry: number): Uint8Array {
  const m = new Uint8Array(W * H);
  const pts: [number, number][] = [];
  for (let i = 0; i < 96; i++) {
    const a = (i / 96) * Math.PI * 2;
    pts.push([cx + rx * Math.cos(a) * (1 + 0.04 * Math.sin(3 * a)), cy + ry * Math.sin(a)]);
  }
  fillPolygon(m, W, H, pts, 1);
  return m;
}

export class HarnessPage {
  readonly editor: MaskEditor;
  readonly ri: Float32Array;

  constructor(root: HTMLElement, cfg: HarnessConfig) {
    const W = cfg.width ?? 448;
    const H = cfg.height ?? 448;
    this.ri = syntheticRi(W, H, cfg.seed ?? 7);
    const { main, sidebar } = workbench(root, { page: 'harness', title: `Mask editor harness · synthetic section ${W}×${H}`, shortcuts: () => this.editor.shortcuts() });
    const status = h('div', { class: 'cw-status', 'data-phase': 'clean' }, h('span', { class: 'cw-status-dot' }), h('span', { class: 'cw-status-text' }, 'Harness — nothing is saved'));
    const win = { lo: 1.33, hi: 1.4, min: 1.3, max: 1.46, step: 0.001, units: 'RI' };
    const windowCtl = new WindowControl(win, (lo, hi) => this.editor.setImageUrl(riToDataUrl(this.ri, W, H, lo, hi)), { storageKey: null, debounceMs: 60 });
    this.editor = new MaskEditor(main, { width: W, height: H, imageUrl: riToDataUrl(this.ri, W, H, win.lo, win.hi) });
    const pixels = h('span', { class: 'cw-muted' }, '0 px');
    this.editor.addEventListener('change', (ev) => {
      pixels.textContent = `${countOn(this.editor.getMask())} px`;
      status.querySelector('.cw-status-text')!.textContent = `Edited: ${(ev as CustomEvent<{ label: string }>).detail.label}`;
      status.dataset.phase = 'dirty';
    });
    const ghost = ellipseMask(W, H, W * 0.47, H * 0.5, W * 0.15, H * 0.125);
    const other = ellipseMask(W, H, W * 0.455, H * 0.5, W * 0.165, H * 0.135);
    const overlays = [
      { name: 'ghost', colour: '#ffb020', mask: ghost, dashed: true, visible: true },
      { name: 'alice', colour: '#e6194b', mask: other, visible: false },
    ];
    this.editor.setOverlays(overlays);
    const toggle = (name: string, label: string, colour: string, on: boolean) => {
      const input = h('input', { type: 'checkbox' });
      input.checked = on;
      input.addEventListener('change', () => this.editor.setOverlayVisible(name, input.checked));
      const sw = h('span', { class: 'cw-swatch' });
      sw.style.setProperty('--swatch', colour);
      return h('li', null, h('label', null, input, sw, h('span', { class: 'cw-legend-label' }, label)));
    };
    sidebar.append(
      card(status, null, h('p', { class: 'cw-muted' }, 'Mask area: ', pixels)),
      card('Display', null, windowCtl.el),
      card('Overlays', null, h('ul', { class: 'cw-legend' }, toggle('ghost', 'Ghost (adjacent section)', '#ffb020', true), toggle('alice', 'alice', '#e6194b', false))),
    );
  }
}

export function mountHarness(root: HTMLElement, cfg: HarnessConfig): HarnessPage {
  return new HarnessPage(root, cfg);
}
