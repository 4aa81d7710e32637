/**
 * What the review page shows once a decision is answered: the result callout (with "Next
 * section" after a decision) and the section's status badge that the template rendered.
 */

import { h, nextLink, setChildren } from '../../lib/dom';
import { icons } from '../../lib/icons';

export type Outcome = 'success' | 'warning' | 'danger';

/** The section's names of its statuses (SectionStatus in annotations/models/core.py). */
export const STATUS_LABELS: Record<string, string> = {
  open: 'Needs annotations',
  review: 'Ready for review',
  confirmed: 'Confirmed',
  sent_back: 'Sent back',
  excluded: 'Excluded',
};

/** The result callout in `host`; with `nextUrl`, a focused "Next section" link under it. */
export function showOutcome(host: HTMLElement, kind: Outcome, text: string, nextUrl?: string | null): void {
  const next = nextUrl ? nextLink(nextUrl, icons.next) : null;
  setChildren(host, h('div', { class: `cw-callout cw-callout-${kind}`, 'data-result': kind }, h('p', null, text), next ? h('div', { class: 'cw-btn-row' }, next) : null));
  next?.focus({ preventScroll: true });
}

/** The page's status badge (#section-status, rendered by the template) after a decision. */
export function setStatusBadge(status: string): void {
  const badge = document.getElementById('section-status');
  if (!badge) return;
  badge.className = `cw-badge cw-badge-${status}`;
  badge.textContent = STATUS_LABELS[status] ?? status;
  badge.dataset.status = status;
}
