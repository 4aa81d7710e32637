/**
 * The job's summary card: per subset of held-out sections (all, with a nucleus) each metric per
 * fold and its mean ± SD over folds, under the words of its aggregation (from the server, the
 * same as the evaluation report's).
 */

import { h } from '../../lib/dom';
import { num } from '../../lib/format';
import type { JobState, JobSummary, MetricSummary, SubsetSummary } from './types';

const LABELS: Record<string, string> = { dice: 'Dice', jaccard: 'Jaccard', f05: 'F0.5', precision: 'Precision', recall: 'Recall', auc_pr: 'AUC-PR' };

function rank(key: string): number {
  const i = Object.keys(LABELS).indexOf(key);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

export interface SummaryTable {
  subset: string;
  title: string;
  sections: number[];
  rows: { key: string; label: string; m: MetricSummary }[];
}

const OBJECT_KEYS = ['precision_iou50', 'recall_iou50', 'f1_iou50', 'map'];

/** The nuclei table of a summary (null for jobs trained before nuclei were scored). */
export function objectsTable(summary: JobSummary | null): SummaryTable | null {
  const block = summary?.objects;
  if (!block?.metrics) return null;
  const metrics = block.metrics;
  return {
    subset: 'objects',
    title: 'nuclei',
    sections: [],
    rows: OBJECT_KEYS.filter((key) => key in metrics).map((key) => ({ key, label: metrics[key]?.label ?? key, m: metrics[key] ?? {} })),
  };
}

/** The tables a summary holds; a summary without subsets is one table over all sections. */
export function summaryTables(summary: JobSummary | null): SummaryTable[] {
  if (!summary?.metrics || !Object.keys(summary.metrics).length) return [];
  const subsets: Record<string, SubsetSummary> = summary.subsets && Object.keys(summary.subsets).length ? summary.subsets : { all: { label: 'all sections', metrics: summary.metrics } };
  return Object.entries(subsets).map(([subset, block]) => ({
    subset,
    title: block.label ?? subset,
    sections: (block.sections ?? []).filter((n): n is number => typeof n === 'number'),
    // The paper's order (stored JSON does not keep the keys' order); unknown keys after.
    rows: Object.entries(block.metrics ?? {})
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([key, m]) => ({ key, label: m?.label ?? LABELS[key] ?? key.replace(/_/g, ' '), m: m ?? {} })),
  }));
}

export function summaryCard(state: JobState): HTMLElement | null {
  const tables = summaryTables(state.summary);
  if (!tables.length) return null;
  // per_fold follows the cross-validation folds in index order.
  const cv = state.folds.filter((f) => f.index >= 0 && (f.kind === null || f.kind === 'cv'));
  const name = (i: number) => {
    const l = cv[i]?.label;
    return l ? l.charAt(0).toUpperCase() + l.slice(1) : `Fold ${(cv[i]?.index ?? i) + 1}`;
  };
  const aggregation = state.summary?.aggregation;
  const nucleus = state.summary?.nucleus_definition;
  return h(
    'section',
    { class: 'cw-card', 'data-card': 'summary' },
    h('h2', { class: 'cw-card-title' }, 'Cross-validation summary'),
    aggregation
      ? h(
          'p',
          { class: 'cw-muted', 'data-role': 'aggregation' },
          h('small', null, `Threshold 0.5. Each cell: ${aggregation}.`, nucleus ? ` A section has a nucleus when ${nucleus}; sections empty in both prediction and ground truth score Dice 1.0 and count only in “all sections”; AUC-PR is undefined on them, so both tables give it over the sections with a nucleus.` : ''),
        )
      : null,
    ...tables.map((t) => table(t, name, aggregation ? 'Mean ± SD over folds' : 'Mean ± SD')),
    ...objectsPart(state.summary, name),
  );
}

function objectsPart(summary: JobSummary | null, name: (i: number) => string): HTMLElement[] {
  const t = objectsTable(summary);
  const block = summary?.objects;
  if (!t || !block) return [];
  const nuclei = (block.nuclei ?? []).filter((n): n is number => typeof n === 'number');
  return [
    h('p', { class: 'cw-muted', 'data-role': 'objects-aggregation' }, h('small', null, `Nuclei${nuclei.length ? ` (${nuclei.join(' + ')} true nuclei)` : ''}. Each cell: ${block.aggregation ?? ''}. Predicted nuclei: ${block.pred_instances ?? '—'}; true nuclei: ${block.gt_instances ?? '—'}.`)),
    table(t, name, 'Mean ± SD over folds'),
  ];
}

/**
 * "mean ± SD", or the mean alone where there is no SD: one fold has none (null from the server;
 * a summary stored before said 0, which claims no spread).
 */
export function meanSd(m: { mean?: number | null; std?: number | null; per_fold?: (number | null)[] }): string {
  const folds = (m.per_fold ?? []).filter((v) => v !== null && v !== undefined).length;
  const sd = m.std === undefined || m.std === null || folds === 1 ? null : m.std;
  return `${num(m.mean ?? null)}${sd === null ? '' : ` ± ${num(sd)}`}`;
}

function table(t: SummaryTable, name: (i: number) => string, meanHead: string): HTMLElement {
  const foldCount = Math.max(0, ...t.rows.map((r) => r.m.per_fold?.length ?? 0));
  const foldHeads = Array.from({ length: foldCount }, (_, i) => h('th', { class: 'cw-num' }, name(i)));
  const rows = t.rows.map(({ key, label, m }) =>
    h(
      'tr',
      { 'data-metric': key },
      h('th', { scope: 'row' }, label),
      ...Array.from({ length: foldCount }, (_, i) => h('td', { class: 'cw-num' }, num(m.per_fold?.[i] ?? null))),
      h('td', { class: 'cw-num cw-strong' }, meanSd(m)),
    ),
  );
  const count = t.sections.length ? ` (${t.sections.join(' + ')} sections)` : '';
  return h(
    'div',
    { class: 'cw-table-wrap', 'data-subset': t.subset },
    h('h3', null, `Over ${t.title}`, h('small', { class: 'cw-muted' }, count)),
    h('table', { class: 'cw-table' }, h('thead', null, h('tr', null, h('th', null, 'Metric'), ...foldHeads, h('th', { class: 'cw-num' }, meanHead))), h('tbody', null, ...rows)),
  );
}
