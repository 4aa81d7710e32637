/**
 * The review's audit trail: who did what to this section and when, loaded
 * from `auditUrl` and refreshed after every action. A list the template
 * already renders (`#audit-trail ol`) is reused instead of drawing a card.
 */

import { ApiError, getJson } from '../../lib/api';
import { card, h, setChildren } from '../../lib/dom';
import { dateTime } from '../../lib/format';

interface AuditEntry {
  at?: string;
  actor?: string;
  action?: string;
  /** The action in words and one readable line, as the page's template shows them. */
  label?: string;
  summary?: string;
  detail?: unknown;
}

export class AuditTrail {
  /** The card to add to the sidebar; null when the template's list is reused. */
  readonly card: HTMLElement | null = null;
  /** True when the list came from the server-rendered page (already filled). */
  readonly fromTemplate: boolean;
  private readonly list: HTMLElement;

  constructor(
    private readonly url: string | null | undefined,
    template: HTMLElement | null,
  ) {
    this.fromTemplate = template !== null;
    this.list = template ?? h('ol', { class: 'cw-audit' }, h('li', { class: 'cw-muted' }, url ? 'Loading…' : 'No audit trail available.'));
    if (!template) this.card = card('Audit trail', { 'data-card': 'audit' }, this.list);
  }

  async load(): Promise<void> {
    if (!this.url) return;
    try {
      const entries = await getJson<AuditEntry[] | { results?: AuditEntry[] }>(this.url);
      const list = Array.isArray(entries) ? entries : (entries?.results ?? []);
      if (!list.length) {
        setChildren(this.list, h('li', { class: 'cw-muted' }, 'No events yet.'));
        return;
      }
      setChildren(this.list, ...list.map(entryItem));
    } catch (err) {
      setChildren(this.list, h('li', { class: 'cw-muted' }, `Could not load the audit trail (${err instanceof ApiError ? err.detail : String(err)}).`));
    }
  }
}

function entryItem(e: AuditEntry): HTMLElement {
  return h(
    'li',
    { 'data-action': e.action ?? null },
    h('div', { class: 'cw-audit-head' }, h('strong', null, e.actor ?? 'system'), ' ', h('span', { class: 'cw-audit-action' }, e.label ?? (e.action ?? '').replace(/_/g, ' ')), h('time', { datetime: e.at ?? '' }, dateTime(e.at))),
    e.summary ? h('div', { class: 'cw-audit-detail' }, e.summary) : e.detail !== undefined && e.detail !== null && e.detail !== '' ? h('div', { class: 'cw-audit-detail' }, formatDetail(e.detail)) : null,
  );
}

function formatDetail(d: unknown): string {
  if (typeof d === 'string') return d;
  try {
    return JSON.stringify(d);
  } catch {
    return String(d);
  }
}
