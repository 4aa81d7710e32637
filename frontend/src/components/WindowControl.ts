/**
 * Display window (lo/hi) for label-free images, always shown in physical units (e.g. RI).
 *
 * Three choices: the physical default (W), "auto" (A: the 0.5–99.5 percentiles of this volume,
 * stored with it at import) and a custom window dragged on the sliders. Each person's choice is
 * saved per volume on the server (PUT `preferenceUrl`) and comes back in the page config; without
 * one, the last choice per modality in this browser applies, since annotators keep the same
 * contrast for hours. Changes are debounced so dragging a slider does not flood the server.
 */

import { putJson, withWindow } from '../lib/api';
import { h } from '../lib/dom';
import { decimalsForStep } from '../lib/format';
import { icons } from '../lib/icons';
import type { ShortcutDef } from '../lib/keys';

export type WindowMode = 'default' | 'auto' | 'custom';

/** The keys of the display window, as the shortcut lists name them (`keyAction` binds them). */
export const WINDOW_SHORTCUTS: ShortcutDef[] = [
  { keys: 'W', label: 'Display window: physical default' },
  { keys: 'A', label: 'Display window: auto (percentiles of this volume)' },
];

export interface WindowPreference {
  mode: WindowMode;
  lo: number | null;
  hi: number | null;
}

export interface WindowConfig {
  lo: number;
  hi: number;
  min: number;
  max: number;
  step?: number;
  units?: string;
  /** The volume's 0.5–99.5 percentiles, when it has them. */
  auto?: { lo: number; hi: number } | null;
  volumeId?: number;
  /** This person's saved choice for the volume. */
  preference?: WindowPreference | null;
  preferenceUrl?: string;
}

export interface WindowState {
  mode: WindowMode;
  lo: number;
  hi: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function isWindowConfig(w: unknown): w is WindowConfig {
  if (!w || typeof w !== 'object') return false;
  const o = w as Record<string, unknown>;
  return ['lo', 'hi', 'min', 'max'].every((k) => isNum(o[k]));
}

/** The window of `mode`; a custom window is kept inside the slider and falls back to the default. */
export function windowFor(cfg: WindowConfig, mode: WindowMode, custom?: { lo?: unknown; hi?: unknown } | null): WindowState {
  if (mode === 'auto' && cfg.auto && isNum(cfg.auto.lo) && isNum(cfg.auto.hi) && cfg.auto.lo < cfg.auto.hi) {
    return { mode, lo: cfg.auto.lo, hi: cfg.auto.hi };
  }
  if (mode === 'custom' && custom && isNum(custom.lo) && isNum(custom.hi) && custom.lo < custom.hi) {
    const lo = Math.max(cfg.min, custom.lo);
    const hi = Math.min(cfg.max, custom.hi);
    if (lo < hi) return { mode, lo, hi };
  }
  return { mode: 'default', lo: cfg.lo, hi: cfg.hi };
}

/** Where a page opens: the saved choice for this volume, else this browser's last one, else the default. */
export function initialWindow(cfg: WindowConfig, stored: unknown): WindowState {
  const pref = cfg.preference;
  if (pref && typeof pref === 'object') return windowFor(cfg, pref.mode, pref);
  if (stored && typeof stored === 'object') {
    const s = stored as { mode?: unknown; lo?: unknown; hi?: unknown };
    if (s.mode === 'auto') return windowFor(cfg, 'auto');
    return windowFor(cfg, 'custom', s);
  }
  return windowFor(cfg, 'default');
}

type Saver = (url: string, body: WindowPreference) => Promise<unknown>;

export class WindowControl {
  readonly el: HTMLElement;
  lo: number;
  hi: number;
  mode: WindowMode;
  private loInput: HTMLInputElement;
  private hiInput: HTMLInputElement;
  private loText: HTMLElement;
  private hiText: HTMLElement;
  private modeText: HTMLElement;
  private defaultBtn: HTMLButtonElement;
  private autoBtn: HTMLButtonElement | null;
  private timer = 0;
  private saveTimer = 0;
  private readonly decimals: number;
  private readonly step: number;
  private readonly storageKey: string | null;
  private readonly debounceMs: number;
  private readonly save: Saver;
  /** Set while a multi-channel section shows another channel than the one this window is for. */
  private otherChannel: { shown: string; windowed: string } | null = null;

  constructor(
    private readonly cfg: WindowConfig,
    private readonly onChange: (lo: number, hi: number) => void,
    opts: { storageKey?: string | null; debounceMs?: number; save?: Saver } = {},
  ) {
    this.step = cfg.step && cfg.step > 0 ? cfg.step : (cfg.max - cfg.min) / 200;
    this.decimals = decimalsForStep(this.step);
    this.storageKey = opts.storageKey ?? null;
    this.save = opts.save ?? ((url, body) => putJson(url, body));
    ({ mode: this.mode, lo: this.lo, hi: this.hi } = initialWindow(cfg, this.readStored()));
    const range = (label: string, value: number) =>
      h('input', { type: 'range', min: cfg.min, max: cfg.max, step: this.step, value, 'aria-label': label });
    this.loInput = range('Window low', this.lo);
    this.hiInput = range('Window high', this.hi);
    this.loText = h('output', { class: 'cw-window-value' });
    this.hiText = h('output', { class: 'cw-window-value' });
    this.modeText = h('span', { class: 'cw-muted cw-window-mode' });
    const choice = (label: string, key: string, title: string) =>
      h(
        'button',
        { type: 'button', class: 'cw-btn cw-btn-sm cw-btn-ghost', title, 'aria-pressed': 'false' },
        h('span', { class: 'cw-btn-label' }, label),
        h('kbd', { class: 'cw-kbd' }, key),
      );
    this.defaultBtn = choice('Default', 'W', `Physical default window ${this.fmt(cfg.lo)}–${this.fmt(cfg.hi)} (W)`);
    this.defaultBtn.prepend(h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icons.contrast }));
    this.defaultBtn.dataset.windowChoice = 'default';
    this.defaultBtn.addEventListener('click', () => this.reset());
    this.autoBtn = cfg.auto ? choice('Auto', 'A', 'Auto: the 0.5–99.5 % percentiles of this volume (A)') : null;
    if (this.autoBtn) {
      this.autoBtn.dataset.windowChoice = 'auto';
      this.autoBtn.addEventListener('click', () => this.auto());
    }
    this.el = h(
      'div',
      { class: 'cw-window' },
      h('div', { class: 'cw-window-row' }, h('span', { class: 'cw-window-label' }, 'Low'), this.loInput, this.loText),
      h('div', { class: 'cw-window-row' }, h('span', { class: 'cw-window-label' }, 'High'), this.hiInput, this.hiText),
      h('div', { class: 'cw-window-foot' }, this.modeText, h('span', { class: 'cw-window-choices' }, this.defaultBtn, this.autoBtn)),
    );
    this.loInput.addEventListener('input', () => this.onInput('lo'));
    this.hiInput.addEventListener('input', () => this.onInput('hi'));
    this.debounceMs = opts.debounceMs ?? 250;
    this.updateText();
  }

  /** A control remembered per volume (server) and per modality (this browser), or null without a usable window. */
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

  /** The physical default window (W). */
  reset(): void {
    this.choose(windowFor(this.cfg, 'default'));
  }

  /** Auto (A): the volume's percentiles; pressed again, back to the physical default. */
  auto(): void {
    if (!this.cfg.auto) return;
    this.choose(windowFor(this.cfg, this.mode === 'auto' ? 'default' : 'auto'));
  }

  /** What a key of the display window does: W the default, A auto; null for other keys. */
  keyAction(key: string): (() => void) | null {
    const k = key.toLowerCase();
    if (this.otherChannel && (k === 'w' || k === 'a')) return () => undefined;
    if (k === 'w') return () => this.reset();
    if (k === 'a') return () => this.auto();
    return null;
  }

  private choose(state: WindowState): void {
    ({ mode: this.mode, lo: this.lo, hi: this.hi } = state);
    this.loInput.value = String(this.lo);
    this.hiInput.value = String(this.hi);
    this.updateText();
    window.clearTimeout(this.timer);
    this.remember();
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
    this.mode = 'custom';
    this.updateText();
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      this.remember();
      this.onChange(this.lo, this.hi);
    }, this.debounceMs);
  }

  /**
   * A multi-channel section's other channels are shown in their own window, not this one (docs/
   * channels.md): while one of them (`shown`) is on screen the control is disabled and says so,
   * rather than moving sliders that change nothing. `shown` null: the first channel (`windowed`)
   * is back, and the control with it.
   */
  showChannel(shown: string | null, windowed: string): void {
    this.otherChannel = shown === null ? null : { shown, windowed };
    for (const input of [this.loInput, this.hiInput, this.defaultBtn, this.autoBtn]) if (input) input.disabled = shown !== null;
    this.el.classList.toggle('is-other-channel', shown !== null);
    this.updateText();
  }

  private fmt(value: number): string {
    return value.toFixed(this.decimals);
  }

  private updateText(): void {
    this.loText.textContent = this.fmt(this.lo);
    this.hiText.textContent = this.fmt(this.hi);
    const units = this.cfg.units ? ` (${this.cfg.units})` : '';
    this.modeText.textContent = this.otherChannel
      ? otherChannelNote(this.otherChannel.shown, this.otherChannel.windowed)
      : { default: `Default window${units}`, auto: `Auto: 0.5–99.5 % of this volume${units}`, custom: `Custom window${units}` }[this.mode];
    this.defaultBtn.setAttribute('aria-pressed', String(this.mode === 'default'));
    this.autoBtn?.setAttribute('aria-pressed', String(this.mode === 'auto'));
    this.el.dataset.windowMode = this.mode;
    this.el.classList.toggle('is-custom', this.isCustom);
  }

  private readStored(): unknown {
    if (!this.storageKey) return null;
    try {
      const raw = localStorage.getItem(this.storageKey);
      return raw ? (JSON.parse(raw) as unknown) : null;
    } catch {
      return null;
    }
  }

  /** Keep the choice in this browser at once, and for this volume on the server shortly after. */
  private remember(): void {
    const preference: WindowPreference = {
      mode: this.mode,
      lo: this.mode === 'custom' ? this.lo : null,
      hi: this.mode === 'custom' ? this.hi : null,
    };
    if (this.storageKey) {
      try {
        if (this.mode === 'default') localStorage.removeItem(this.storageKey);
        else localStorage.setItem(this.storageKey, JSON.stringify(preference));
      } catch {
        // Storage may be full or disabled; the server still remembers the choice.
      }
    }
    const url = this.cfg.preferenceUrl;
    if (!url) return;
    window.clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => {
      this.save(url, preference).catch((err: unknown) => {
        // The window still applies on this page; only its memory for next time is lost.
        console.warn('The display window could not be saved', err);
      });
    }, 400);
  }
}

/** What the display window says while another channel than its own is shown. */
export function otherChannelNote(shown: string, windowed: string): string {
  return `${shown} is shown in its own default window; this one is for ${windowed}`;
}
