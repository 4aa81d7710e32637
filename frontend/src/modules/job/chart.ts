/**
 * Small dependency-free SVG line chart for training curves. Redrawn in full
 * on every update; the curves have at most a few thousand points.
 */

const NS = 'http://www.w3.org/2000/svg';

export interface Series {
  name: string;
  colour: string;
  points: ReadonlyArray<readonly [number, number]>;
  style?: 'line' | 'dots' | 'thin';
}

export interface ChartOptions {
  title: string;
  xLabel?: string;
  yMin?: number;
  yMax?: number;
  xMin?: number;
  xMax?: number;
  yDigits?: number;
}

const H = 190;
const M = { top: 10, right: 12, bottom: 30, left: 46 };

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm >= 5 ? 10 : norm >= 2 ? 5 : norm >= 1 ? 2 : 1) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-6; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * The y range and its labelled ticks. Unless the top is fixed, the range grows to the first tick
 * at or above the highest value, so the labels always cover the whole curve (a loss reaching 0.9
 * gets a label at 1.0, not only 0 and 0.5).
 */
export function yAxis(lo: number, hi: number, { fixedTop = false, count = 4 } = {}): { y0: number; y1: number; ticks: number[] } {
  let out = ticks(lo, hi, count);
  if (fixedTop || out.length < 2) return { y0: lo, y1: hi, ticks: out };
  const step = out[1]! - out[0]!;
  const last = out[out.length - 1]!;
  if (last < hi - step * 1e-6) {
    const top = Number((last + step).toPrecision(12));
    out = [...out, top];
    return { y0: lo, y1: top, ticks: out };
  }
  return { y0: lo, y1: Math.max(hi, last), ticks: out };
}

/**
 * The labels of the ticks: at least ``minDigits`` decimals, more where the ticks are closer than
 * that (a mean RI running from 1.33705 to 1.33712 gets five decimals, not "1.3371" on every tick).
 */
export function tickLabels(values: readonly number[], minDigits: number): string[] {
  let digits = Math.max(0, minDigits);
  for (; digits < 10; digits += 1) {
    const labels = values.map((v) => v.toFixed(digits));
    if (new Set(labels).size === labels.length) return labels;
  }
  return values.map((v) => v.toFixed(digits));
}

/**
 * The SVG is drawn in CSS pixels at the element's real width (re-rendered on
 * resize), so labels keep a readable size instead of scaling with the card.
 */
export class LineChart {
  readonly el: HTMLElement;
  private svg: SVGSVGElement;
  private legend: HTMLElement;
  private width = 440;
  private last: { series: Series[]; overrides: Partial<ChartOptions> } = { series: [], overrides: {} };

  constructor(private readonly opts: ChartOptions) {
    this.svg = el('svg', { viewBox: `0 0 ${this.width} ${H}`, role: 'img', 'aria-label': opts.title });
    this.legend = document.createElement('div');
    this.legend.className = 'cw-chart-legend';
    this.el = document.createElement('figure');
    this.el.className = 'cw-chart';
    const cap = document.createElement('figcaption');
    cap.textContent = opts.title;
    this.el.append(cap, this.svg, this.legend);
    this.el.dataset.points = '0';
    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver((entries) => {
        const w = Math.round(entries[0]?.contentRect.width ?? 0);
        if (w > 0 && Math.abs(w - this.width) > 2) {
          this.width = Math.max(240, w);
          this.update(this.last.series, this.last.overrides);
        }
      }).observe(this.el);
    }
  }

  update(series: Series[], overrides: Partial<ChartOptions> = {}): void {
    this.last = { series, overrides };
    const W = this.width;
    this.svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    const o = { ...this.opts, ...overrides };
    const all = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1])));
    this.el.dataset.points = String(all.length);
    const svg = this.svg;
    svg.replaceChildren();
    let x0 = o.xMin ?? 0;
    let x1 = Math.max(o.xMax ?? 1, ...all.map((p) => p[0]));
    let y0 = o.yMin ?? Math.min(...all.map((p) => p[1]));
    let y1 = o.yMax ?? Math.max(...all.map((p) => p[1]));
    if (!Number.isFinite(y0) || !Number.isFinite(y1)) {
      y0 = o.yMin ?? 0;
      y1 = o.yMax ?? 1;
    }
    if (y1 <= y0) y1 = y0 + (Math.abs(y0) || 1) * 0.1;
    const axis = yAxis(y0, y1, { fixedTop: o.yMax !== undefined });
    y1 = axis.y1;
    if (x1 <= x0) x1 = x0 + 1;
    const labels = tickLabels(axis.ticks, o.yDigits ?? (y1 - y0 < 0.5 ? 2 : 1));
    // Long labels (many decimals) widen the left margin instead of running off the figure.
    const left = Math.max(M.left, 12 + 6.5 * Math.max(0, ...labels.map((l) => l.length)));
    const pw = W - left - M.right;
    const ph = H - M.top - M.bottom;
    const sx = (x: number) => left + ((x - x0) / (x1 - x0)) * pw;
    const sy = (y: number) => M.top + ph - ((y - y0) / (y1 - y0)) * ph;

    const grid = el('g', { class: 'cw-chart-grid' });
    axis.ticks.forEach((t, i) => {
      grid.append(el('line', { x1: left, x2: W - M.right, y1: sy(t), y2: sy(t) }));
      grid.append(el('text', { x: left - 6, y: sy(t) + 4, 'text-anchor': 'end' }, labels[i]!));
    });
    const xt = ticks(x0, x1, Math.min(Math.max(2, Math.floor(W / 60)), Math.max(2, Math.round(x1 - x0))));
    for (const t of xt) {
      if (Math.abs(t - Math.round(t)) > 1e-9) continue;
      grid.append(el('line', { x1: sx(t), x2: sx(t), y1: M.top + ph, y2: M.top + ph + 4 }));
      grid.append(el('text', { x: sx(t), y: H - M.bottom + 16, 'text-anchor': 'middle' }, String(t)));
    }
    grid.append(el('line', { class: 'cw-chart-axis', x1: left, x2: W - M.right, y1: M.top + ph, y2: M.top + ph }));
    if (o.xLabel) grid.append(el('text', { x: W - M.right, y: H - 2, 'text-anchor': 'end', class: 'cw-chart-xlabel' }, o.xLabel));
    svg.append(grid);

    for (const s of series) {
      const pts = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
      if (!pts.length) continue;
      if (s.style === 'dots') {
        const g = el('g', { fill: s.colour, 'fill-opacity': 0.45 });
        for (const p of pts) g.append(el('circle', { cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: 1.6 }));
        svg.append(g);
        continue;
      }
      const d = pts.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
      svg.append(el('path', { d, fill: 'none', stroke: s.colour, 'stroke-width': s.style === 'thin' ? 1 : 2, 'vector-effect': 'non-scaling-stroke', 'stroke-linejoin': 'round' }));
      if (s.style !== 'thin') {
        for (const p of pts) svg.append(el('circle', { cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: 2.6, fill: s.colour }));
      }
    }
    if (!all.length) {
      svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'cw-chart-empty' }, 'Waiting for the first values…'));
    }
    this.legend.replaceChildren(
      ...series.map((s) => {
        const item = document.createElement('span');
        item.className = `cw-chart-key cw-chart-key-${s.style ?? 'line'}`;
        item.style.setProperty('--swatch', s.colour);
        item.textContent = s.name;
        return item;
      }),
    );
  }
}
