/**
 * The stain-shift card of the fluorescence ground-truth page: number inputs
 * and nudge buttons move the stain's outline over the label-free image at
 * once (a CSS translate, no request); "Estimate" asks the server for a
 * suggestion (a cross-correlation, inference/ml/stain_shift.py) and shows it
 * with its warnings, and only "Use suggestion" copies it into the inputs; "Apply shift" stores it
 * (reviewers), naming the version the card was loaded with, so a shift set
 * meanwhile is a 409 instead of a silent overwrite.
 */

import { ApiError, getJson, putJson } from '../lib/api';

export interface StainShiftConfig {
  module: 'stainshift';
  api: string;
  estimateUrl: string;
  dy: number;
  dx: number;
  version: number;
  maxDy: number;
  maxDx: number;
  sizeY: number;
  sizeX: number;
  canSet: boolean;
}

export interface ShiftEstimate {
  dy: number;
  dx: number;
  z: number;
  peak_ratio: number;
  correlation: number | null;
  reliable: boolean;
  warnings: string[];
}

/** A typed value as a whole number of pixels within ±max (empty or garbage reads 0). */
export function clampShift(value: string | number, max: number): number {
  const n = Math.round(Number(value));
  if (!Number.isFinite(n)) return 0;
  return Math.max(-max, Math.min(max, n));
}

/** The CSS transform that moves the outline image by (dy, dx) pixels of a sizeY×sizeX section,
 *  in percent of the image so it holds at any displayed size. */
export function outlineTransform(dy: number, dx: number, sizeY: number, sizeX: number): string {
  const pct = (v: number, size: number) => `${Number(((100 * v) / size).toFixed(4))}%`;
  return `translate(${pct(dx, sizeX)}, ${pct(dy, sizeY)})`;
}

/** One line that says what the estimate found and how far to trust it. */
export function estimateSummary(e: ShiftEstimate): string {
  const corr = e.correlation === null ? 'n/a' : e.correlation.toFixed(2);
  const head = `Suggested (${e.dy}, ${e.dx}) px from z${e.z}: peak ratio ${e.peak_ratio.toFixed(2)}, correlation once aligned ${corr}.`;
  return e.reliable ? `${head} Reliable.` : `${head} Unreliable — check it by eye: ${e.warnings.join('; ')}.`;
}

export class StainShiftCard {
  private dy: number;
  private dx: number;
  private suggestion: ShiftEstimate | null = null;

  constructor(
    private readonly scope: HTMLElement,
    private readonly cfg: StainShiftConfig,
  ) {
    this.dy = cfg.dy;
    this.dx = cfg.dx;
    this.input('dy').addEventListener('input', () => this.set(this.input('dy').value, this.dx));
    this.input('dx').addEventListener('input', () => this.set(this.dy, this.input('dx').value));
    for (const b of scope.querySelectorAll<HTMLButtonElement>('[data-nudge]')) {
      const [ny, nx] = (b.dataset.nudge ?? '0,0').split(',').map(Number);
      b.addEventListener('click', () => this.set(this.dy + (ny ?? 0), this.dx + (nx ?? 0)));
    }
    this.button('reset').addEventListener('click', () => this.set(cfg.dy, cfg.dx));
    this.button('estimate').addEventListener('click', () => void this.estimate());
    this.button('use').addEventListener('click', () => {
      if (this.suggestion) this.set(this.suggestion.dy, this.suggestion.dx);
    });
    this.button('apply').addEventListener('click', () => void this.apply());
    this.render();
  }

  get shift(): [number, number] {
    return [this.dy, this.dx];
  }

  set(dy: string | number, dx: string | number): void {
    this.dy = clampShift(dy, this.cfg.maxDy);
    this.dx = clampShift(dx, this.cfg.maxDx);
    this.render();
  }

  private el<T extends HTMLElement>(role: string): T {
    const found = this.scope.querySelector<T>(`[data-role="shift-${role}"]`);
    if (!found) throw new Error(`stain shift card: no [data-role="shift-${role}"]`);
    return found;
  }

  private input(role: string): HTMLInputElement {
    return this.el<HTMLInputElement>(role);
  }

  private button(role: string): HTMLButtonElement {
    return this.el<HTMLButtonElement>(role);
  }

  private render(): void {
    const { sizeY, sizeX } = this.cfg;
    if (this.input('dy').value !== String(this.dy)) this.input('dy').value = String(this.dy);
    if (this.input('dx').value !== String(this.dx)) this.input('dx').value = String(this.dx);
    this.el('outline').style.transform = outlineTransform(this.dy, this.dx, sizeY, sizeX);
    const changed = this.dy !== this.cfg.dy || this.dx !== this.cfg.dx;
    this.button('apply').disabled = !this.cfg.canSet || !changed;
    this.el('pending').hidden = !changed;
  }

  private say(message: string, kind: 'info' | 'warning' | 'danger' = 'info'): void {
    const status = this.el('message');
    status.textContent = message;
    status.className = `cw-callout cw-callout-${kind}`;
    status.hidden = false;
  }

  async estimate(): Promise<void> {
    this.button('estimate').disabled = true;
    try {
      const e = await getJson<ShiftEstimate>(this.cfg.estimateUrl);
      this.suggestion = e;
      const box = this.el('suggestion');
      box.textContent = estimateSummary(e);
      box.className = `cw-callout ${e.reliable ? 'cw-callout-info' : 'cw-callout-warning'}`;
      box.dataset.reliable = String(e.reliable);
      box.hidden = false;
      this.button('use').hidden = false;
    } catch (err) {
      this.say(err instanceof ApiError ? err.detail : String(err), 'danger');
    } finally {
      this.button('estimate').disabled = false;
    }
  }

  async apply(): Promise<void> {
    const series = this.scope.querySelector<HTMLInputElement>('[data-role="shift-series"]')?.checked ?? false;
    this.button('apply').disabled = true;
    try {
      const body = { dy: this.dy, dx: this.dx, base_version: this.cfg.version, series };
      const done = await putJson<{ rederived: number; version: number }>(this.cfg.api, body);
      this.say(`Shift (${this.dy}, ${this.dx}) px stored as version ${done.version}; ${done.rederived} fluorescence ground-truth sections derived again. Reloading…`);
      window.location.reload();
    } catch (err) {
      const stale = err instanceof ApiError && err.code === 'stale_stain_shift';
      this.say(err instanceof ApiError ? err.detail : String(err), stale ? 'warning' : 'danger');
      this.render();
    }
  }
}

export function mountStainShift(_root: HTMLElement | null, cfg: StainShiftConfig): StainShiftCard | null {
  const scope = document.getElementById('fl-shift');
  return scope ? new StainShiftCard(scope, cfg) : null;
}
