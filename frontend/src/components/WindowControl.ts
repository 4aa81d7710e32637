/**
 * Display window (lo/hi) for label-free images, in physical units (e.g. RI).
 * Emits a debounced change so dragging a slider does not flood the server
 * with image requests. The last window per modality is remembered in this
 * browser, since annotators keep the same contrast for hours.
 */

import { withWindow } from '../lib/api';
import { h } from '../lib/dom';
import { decimalsForStep } from '../lib/format';
import { icons } from '../lib/icons';

export interface WindowConfig {
  lo: number;
  hi: number;
  min: number;
  max: number;
  step?: number;
  units?: string;
}

export function isWindowConfig(w: unknown): w is WindowConfig {
  if (!w || typeof w !== 'object') return false;
  const o = w as Record<string, unknown>;
  return ['lo', 'hi', 'min', 'max'].every((k) => typeof o[k] === 'number' && Number.isFinite(o[k]));
}

export class WindowControl {
  readonly el: HTMLElement;
  lo: number;
  hi: number;
  private loInput: HTMLInputElement;
  private hiInput: HTMLInputElement;
  private loText: HTMLElement;
  private hiText: HTMLElement;
  private timer = 0;
  private readonly decimals: number;
  private readonly step: number;
  private readonly storageKey: string | null;
  private readonly debounceMs: number;

  constructor(
    private readonly cfg: WindowConfig,
    private readonly onChange: (lo: number, hi: number) => void,
    opts: { storageKey?: string | null; debounceMs?: number } = {},
  ) {
    this.step = cfg.step && cfg.step > 0 ? cfg.step : (cfg.max - cfg.min) / 200;
    this.decimals = decimalsForStep(this.step);
    this.storageKey = opts.storageKey ?? null;
    this.lo = cfg.lo;
    this.hi = cfg.hi;
    const stored = this.readStored();
    if (stored) {
      this.lo = stored.lo;
      this.hi = stored.hi;
    }
    const range = (label: string, value: number) =>
      h('input', { type: 'range', min: cfg.min, max: cfg.max, step: this.step, value, 'aria-label': label });
    this.loInput = range('Window low', this.lo);
    this.hiInput = range('Window high', this.hi);
    this.loText = h('output', { class: 'cw-window-value' });
    this.hiText = h('output', { class: 'cw-window-value' });
    const reset = h(
      'button',
      { type: 'button', class: 'cw-btn cw-btn-sm cw-btn-ghost', title: 'Reset window to default (W)' },
      h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icons.contrast }),
      h('span', { class: 'cw-btn-label' }, 'Reset'),
      h('kbd', { class: 'cw-kbd' }, 'W'),
    );
    reset.addEventListener('click', () => this.reset());
    this.el = h(
      'div',
      { class: 'cw-window' },
      h('div', { class: 'cw-window-row' }, h('span', { class: 'cw-window-label' }, 'Low'), this.loInput, this.loText),
      h('div', { class: 'cw-window-row' }, h('span', { class: 'cw-window-label' }, 'High'), this.hiInput, this.hiText),
      h('div', { class: 'cw-window-foot' }, h('span', { class: 'cw-muted' }, `Display window${cfg.units ? ` (${cfg.units})` : ''}`), reset),
    );
    this.loInput.addEventListener('input', () => this.onInput('lo'));
    this.hiInput.addEventListener('input', () => this.onInput('hi'));
    this.debounceMs = opts.debounceMs ?? 250;
    this.updateText();
  }

  /** A control remembered per modality in this browser, or null when the config has no usable window. */
  static forModality(win: unknown, modality: string | undefined, onChange: (lo: number, hi: number) => void): WindowControl | null {
    return isWindowConfig(win) ? new WindowControl(win, onChange, { storageKey: `cellweb.window.${modality ?? 'default'}` }) : null;
  }

  /** `imageUrl` with this window appended, unless it is the server default. */
  url(imageUrl: string): string {
    return this.isCustom ? withWindow(imageUrl, this.lo, this.hi) : imageUrl;
  }

  /** True when the window differs from the server default (so URLs need ?lo=&hi=). */
  get isCustom(): boolean {
    return Math.abs(this.lo - this.cfg.lo) > this.step / 2 || Math.abs(this.hi - this.cfg.hi) > this.step / 2;
  }

  reset(): void {
    this.lo = this.cfg.lo;
    this.hi = this.cfg.hi;
    this.loInput.value = String(this.lo);
    this.hiInput.value = String(this.hi);
    this.updateText();
    this.store();
    window.clearTimeout(this.timer);
    this.onChange(this.lo, this.hi);
  }

  private onInput(which: 'lo' | 'hi'): void {
    let lo = Number(this.loInput.value);
    let hi = Number(this.hiInput.value);
    // Keep lo < hi by pushing the other handle rather than refusing the move.
    if (hi - lo < this.step) {
      if (which === 'lo') hi = Math.min(this.cfg.max, lo + this.step);
      else lo = Math.max(this.cfg.min, hi - this.step);
      if (hi - lo < this.step) {
        if (which === 'lo') lo = hi - this.step;
        else hi = lo + this.step;
      }
      this.loInput.value = String(lo);
      this.hiInput.value = String(hi);
    }
    this.lo = lo;
    this.hi = hi;
    this.updateText();
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      this.store();
      this.onChange(this.lo, this.hi);
    }, this.debounceMs);
  }

  private updateText(): void {
    this.loText.textContent = this.lo.toFixed(this.decimals);
    this.hiText.textContent = this.hi.toFixed(this.decimals);
    this.el.classList.toggle('is-custom', this.isCustom);
  }

  private readStored(): { lo: number; hi: number } | null {
    if (!this.storageKey) return null;
    try {
      const raw = localStorage.getItem(this.storageKey);
      if (!raw) return null;
      const v = JSON.parse(raw) as { lo?: unknown; hi?: unknown };
      const lo = Number(v.lo);
      const hi = Number(v.hi);
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo >= hi) return null;
      if (lo < this.cfg.min || hi > this.cfg.max) return null;
      return { lo, hi };
    } catch {
      return null;
    }
  }

  private store(): void {
    if (!this.storageKey) return;
    try {
      if (this.isCustom) localStorage.setItem(this.storageKey, JSON.stringify({ lo: this.lo, hi: this.hi }));
      else localStorage.removeItem(this.storageKey);
    } catch {
      // Storage may be full or disabled; the window simply is not remembered.
    }
  }
}
