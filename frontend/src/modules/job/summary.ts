/** The job's summary card: each metric per fold and its mean ± std over folds. */

import { h } from '../../lib/dom';
import { num } from '../../lib/format';
import type { JobState } from './types';

export function summaryCard(state: JobState): HTMLElement | null {
  const metrics = state.summary?.metrics;
  if (!metrics || !Object.keys(metrics).length) return null;
  const foldCount = Math.max(0, ...Object.values(metrics).map((m) => m?.per_fold?.length ?? 0));
  // per_fold follows the cross-validation folds in index order.
  const cv = state.folds.filter((f) => f.index >= 0 && (f.kind === null || f.kind === 'cv'));
  const name = (i: number) => {
    const l = cv[i]?.label;
    return l ? l.charAt(0).toUpperCase() + l.slice(1) : `Fold ${cv[i]?.index ?? i}`;
  };
  const foldHeads = Array.from({ length: foldCount }, (_, i) => h('th', { class: 'cw-num' }, name(i)));
  const rows = Object.entries(metrics).map(([metric, m]) =>
    h(
      'tr',
      null,
      h('th', { scope: 'row' }, metric),
      ...Array.from({ length: foldCount }, (_, i) => h('td', { class: 'cw-num' }, num(m?.per_fold?.[i] ?? null))),
      h('td', { class: 'cw-num cw-strong' }, `${num(m?.mean ?? null)}${m?.std !== undefined && m?.std !== null ? ` ± ${num(m.std)}` : ''}`),
    ),
  );
  return h(
    'section',
    { class: 'cw-card', 'data-card': 'summary' },
    h('h2', { class: 'cw-card-title' }, 'Summary'),
    h(
      'div',
      { class: 'cw-table-wrap' },
      h('table', { class: 'cw-table' }, h('thead', null, h('tr', null, h('th', null, 'Metric'), ...foldHeads, h('th', { class: 'cw-num' }, 'Mean ± std'))), h('tbody', null, ...rows)),
    ),
  );
}
