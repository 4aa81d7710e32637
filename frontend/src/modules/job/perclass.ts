/**
 * Per-class validation Dice of a job that learned several classes: each epoch point carries
 * `val_per_class_dice` (one value per class, in the job's class order); the validation chart
 * draws one curve per class beside the mean over classes.
 */

import type { Series } from './chart';
import type { EpochPoint } from './types';

/** Distinct from the train/validation/mean colours of the fold charts. */
const PALETTE = ['#7c3aed', '#db2777', '#0891b2', '#ca8a04', '#4d7c0f', '#9a3412', '#1e40af', '#be123c'];

/** How many classes the history scores per class (0: a one-class job, no per-class curves). */
export function perClassCount(history: readonly EpochPoint[]): number {
  let n = 0;
  for (const p of history) if (Array.isArray(p.val_per_class_dice)) n = Math.max(n, p.val_per_class_dice.length);
  return n;
}

/**
 * The class names of a job's outputs, in class order: its configured list of names when it has
 * one of the right length, else "class <value>" from its recorded class values, else "class <n>".
 */
export function classNames(config: Record<string, unknown> | null | undefined, count: number): string[] {
  const names = config?.classes;
  if (Array.isArray(names) && names.length === count && names.every((n) => typeof n === 'string')) return names as string[];
  const values = config?.class_values;
  if (Array.isArray(values) && values.length === count) return values.map((v) => `class ${String(v)}`);
  return Array.from({ length: count }, (_, i) => `class ${i + 1}`);
}

/** One thin curve per class: its validation Dice per epoch (epochs without a finite value skipped). */
export function perClassSeries(history: readonly EpochPoint[], names: readonly string[]): Series[] {
  const count = perClassCount(history);
  const out: Series[] = [];
  for (let k = 0; k < count; k++) {
    const points: [number, number][] = [];
    for (const p of history) {
      const v = p.val_per_class_dice?.[k];
      if (typeof v === 'number' && Number.isFinite(v)) points.push([p.epoch, v]);
    }
    out.push({ name: `${names[k] ?? `class ${k + 1}`} Dice`, colour: PALETTE[k % PALETTE.length]!, points, style: 'thin' });
  }
  return out;
}
