/** One card per fold (or the single unit of a job without folds): status, progress, split, charts. */

import { h, progressBar, setChildren } from '../../lib/dom';
import { duration, num } from '../../lib/format';
import { LineChart } from './chart';
import { displayEpoch, etaNow, foldProgress, hasValidation } from './derive';
import { classNames, perClassCount, perClassSeries } from './perclass';
import type { FoldState } from './types';

export interface FoldView {
  el: HTMLElement;
  title: HTMLElement;
  badge: HTMLElement;
  progress: ReturnType<typeof progressBar>;
  meta: HTMLElement;
  split: HTMLElement;
  error: HTMLElement;
  loss: LineChart | null;
  dice: LineChart | null;
  /** Stands in for the validation chart of a fold without a validation set. */
  noValidation: HTMLElement | null;
  metric: ValidationMetric;
}

const COLOURS = { train: '#2563eb', val: '#ea580c', batch: '#64748b', dice: '#059669' };

function capitalised(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** What the validation chart plots: Dice for segmentation, the stain's PCC for in-silico labelling. */
export type ValidationMetric = 'dice' | 'pcc';

const METRIC = {
  dice: { key: 'val_dice', title: 'Validation Dice', series: 'validation Dice', yMin: 0 },
  pcc: { key: 'val_pcc', title: 'Validation PCC (stain)', series: 'validation PCC', yMin: -1 },
} as const;

export function createFoldView(f: FoldState, { charts, unitName, metric = 'dice' }: { charts: boolean; unitName: string; metric?: ValidationMetric }): FoldView {
  const title = h('h2', { class: 'cw-card-title' }, f.label ? capitalised(f.label) : f.index < 0 ? unitName : `Fold ${f.index}`);
  const badge = h('span', { class: 'cw-badge' });
  const progress = progressBar(f.index < 0 ? 'Progress' : `Fold ${f.index} progress`);
  const meta = h('div', { class: 'cw-fold-meta' });
  const split = h('div', { class: 'cw-fold-split' });
  const error = h('pre', { class: 'cw-fold-error', hidden: true });
  const loss = charts ? new LineChart({ title: 'Loss', xLabel: 'epoch', yMin: 0 }) : null;
  const dice = charts ? new LineChart({ title: METRIC[metric].title, xLabel: 'epoch', yMin: METRIC[metric].yMin, yMax: 1, yDigits: 1 }) : null;
  if (loss) loss.el.dataset.chart = 'loss';
  if (dice) dice.el.dataset.chart = metric;
  const noValidation = charts
    ? h('p', { class: 'cw-muted cw-chart-none', 'data-chart': 'no-validation', hidden: true }, 'No validation chart: this model trains on all the data, so no section is held out to score it. The cross-validation folds measure how well such a model generalises.')
    : null;
  const el = h(
    'section',
    { class: 'cw-card cw-fold', 'data-fold': f.index },
    h('div', { class: 'cw-card-head' }, title, badge),
    progress.el,
    meta,
    split,
    error,
    loss && dice ? h('div', { class: 'cw-fold-charts' }, loss.el, dice.el, noValidation) : null,
  );
  return { el, title, badge, progress, meta, split, error, loss, dice, noValidation, metric };
}

export function foldMeta(f: FoldState): string {
  const parts: string[] = [];
  const ep = displayEpoch(f);
  if (ep !== null && f.epochs) parts.push(`epoch ${ep}/${f.epochs}`);
  if (f.batch !== null && f.batches) parts.push(`batch ${f.batch}/${f.batches}`);
  const eta = etaNow(f);
  if (eta !== null && f.status === 'running') parts.push(`ETA ${duration(eta)}`);
  if (f.loss !== null && f.status === 'running') parts.push(`loss ${num(f.loss, 4)}`);
  const where = [f.worker, f.device].filter(Boolean).join(' · ');
  if (where) parts.push(where);
  return parts.join(' · ') || (f.status === 'queued' ? 'Waiting for a worker…' : '');
}

/** ``config``: the job's configuration, naming the classes of per-class validation curves. */
export function updateFoldView(v: FoldView, f: FoldState, config: Record<string, unknown> | null = null): void {
  v.el.dataset.status = f.status;
  v.badge.className = `cw-badge cw-badge-${f.status}`;
  v.badge.textContent = f.status;
  const fp = foldProgress(f);
  v.progress.set(f.status === 'queued' ? 0 : fp, fp !== null ? `${Math.round(fp * 100)} %` : '');
  v.meta.textContent = foldMeta(f);
  if (f.specimensTrain.length || f.specimensVal.length) {
    setChildren(
      v.split,
      f.specimensTrain.length ? h('div', null, h('span', { class: 'cw-split-label' }, `Train (${f.specimensTrain.length})`), ' ', f.specimensTrain.join(', ')) : null,
      f.specimensVal.length ? h('div', null, h('span', { class: 'cw-split-label' }, `Validation (${f.specimensVal.length})`), ' ', f.specimensVal.join(', ')) : null,
    );
  }
  v.error.hidden = !f.error;
  v.error.textContent = f.error ?? '';
  const axis = { xMax: f.epochs ?? 1 };
  const validated = hasValidation(f);
  v.loss?.update(
    [
      { name: 'batch loss', colour: COLOURS.batch, points: f.batchLoss, style: 'dots' },
      { name: 'train loss', colour: COLOURS.train, points: points(f, 'train_loss') },
      ...(validated ? [{ name: 'validation loss', colour: COLOURS.val, points: points(f, 'val_loss') }] : []),
    ],
    axis,
  );
  if (v.dice) {
    v.dice.el.hidden = !validated;
    const m = METRIC[v.metric];
    if (validated) {
      // Several classes: the mean over classes, and one thinner curve per class.
      const perClass = v.metric === 'dice' ? perClassSeries(f.history, classNames(config, perClassCount(f.history))) : [];
      const name = perClass.length ? 'validation Dice (mean over classes)' : m.series;
      v.dice.update([{ name, colour: COLOURS.dice, points: points(f, m.key) }, ...perClass], axis);
    }
  }
  if (v.noValidation) v.noValidation.hidden = validated;
}

function points(f: FoldState, key: 'train_loss' | 'val_loss' | 'val_dice' | 'val_pcc'): [number, number][] {
  const out: [number, number][] = [];
  for (const p of f.history) {
    const v = p[key];
    if (typeof v === 'number' && Number.isFinite(v)) out.push([p.epoch, v]);
  }
  return out;
}
