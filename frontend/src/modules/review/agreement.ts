/**
 * The review sidebar's agreement card: mean Dice and mean Jaccard over all
 * pairs of annotators (as the server computed them), per label class the mean
 * pairwise Dice and nucleus F1 (the worst class highlighted), then each pair,
 * pairs below 0.8 Dice highlighted.
 */

import { card, h } from '../../lib/dom';
import { num } from '../../lib/format';
import { annotatorColour, type ReviewConfig } from './types';

export function agreementCard(cfg: ReviewConfig): HTMLElement {
  const ag = cfg.agreement;
  const el = card('Agreement', { 'data-card': 'agreement' });
  if (!ag) {
    el.appendChild(h('p', { class: 'cw-muted' }, 'Needs at least two annotations.'));
    return el;
  }
  const stat = (value: number | null | undefined, label: string) =>
    h('div', { class: 'cw-stat' }, h('span', { class: 'cw-stat-value' }, num(value)), h('span', { class: 'cw-stat-label' }, label));
  el.appendChild(h('div', { class: 'cw-stats' }, stat(ag.mean_dice, 'mean Dice'), stat(ag.mean_jaccard, 'mean Jaccard')));
  if (ag.classes?.length) el.appendChild(classTable(ag.classes, ag.worst_class?.value));
  if (!ag.pairs?.length) return el;
  const colourOf = new Map((cfg.annotations ?? []).map((a, i) => [a.annotator, annotatorColour(cfg, i)]));
  const who = (n: string) => {
    const sw = h('span', { class: 'cw-swatch' });
    sw.style.setProperty('--swatch', colourOf.get(n) ?? '#888');
    return h('span', { class: 'cw-who' }, sw, n);
  };
  el.appendChild(
    h(
      'table',
      { class: 'cw-table cw-table-compact' },
      h('thead', null, h('tr', null, h('th', null, 'Pair'), h('th', { class: 'cw-num' }, 'Dice'), h('th', { class: 'cw-num' }, 'Jaccard'))),
      h(
        'tbody',
        null,
        ...ag.pairs.map((p) =>
          h('tr', { class: (p.dice ?? 1) < 0.8 ? 'cw-row-warn' : null }, h('td', null, who(p.a), ' · ', who(p.b)), h('td', { class: 'cw-num' }, num(p.dice)), h('td', { class: 'cw-num' }, num(p.jaccard))),
        ),
      ),
    ),
  );
  return el;
}

type ClassRow = NonNullable<NonNullable<ReviewConfig['agreement']>['classes']>[number];

/** Per class: mean over annotator pairs of Dice (and, for instance classes, nucleus F1). */
function classTable(rows: ClassRow[], worst: number | undefined): HTMLElement {
  return h(
    'table',
    { class: 'cw-table cw-table-compact', 'data-agreement': 'classes' },
    h('caption', null, 'Per class, mean over annotator pairs'),
    h('thead', null, h('tr', null, h('th', null, 'Class'), h('th', { class: 'cw-num' }, 'Dice'), h('th', { class: 'cw-num' }, 'Nucleus F1'))),
    h(
      'tbody',
      null,
      ...rows.map((r) =>
        h('tr', { class: r.value === worst ? 'cw-row-warn' : null }, h('td', null, r.name), h('td', { class: 'cw-num' }, num(r.mean_dice)), h('td', { class: 'cw-num' }, r.instances ? num(r.instances.mean_f1) : '—')),
      ),
    ),
  );
}
