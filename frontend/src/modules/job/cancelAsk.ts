/**
 * The question a job page asks before it cancels: an optional reason (at most
 * REASON_MAX characters; the server records it with who cancelled and when,
 * and shows it with the job) and the two answers.
 */

import { button, h } from '../../lib/dom';

/** The longest reason the server keeps (cellweb/jobs/fields.py, CANCEL_REASON_CHARS). */
export const REASON_MAX = 500;

export interface CancelAsk {
  el: HTMLElement;
  focus(): void;
}

/** The cancel endpoint's body: the reason, trimmed, or nothing. */
export function cancelBody(reason: string): { reason?: string } {
  const text = reason.trim().slice(0, REASON_MAX);
  return text ? { reason: text } : {};
}

export function cancelAsk(opts: { question: string; onYes: (body: { reason?: string }) => void; onNo: () => void }): CancelAsk {
  const reason = h('input', {
    type: 'text',
    class: 'cw-cancel-reason',
    maxlength: REASON_MAX,
    placeholder: 'Reason (optional)',
    'aria-label': 'Why cancel it (optional; shown with the job)',
    'data-role': 'cancel-reason',
  });
  const yes = button('Yes, cancel', { variant: 'danger', small: true, onClick: () => opts.onYes(cancelBody(reason.value)) });
  const no = button('Keep running', { small: true, onClick: () => opts.onNo() });
  reason.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') opts.onYes(cancelBody(reason.value));
    else if (ev.key === 'Escape') opts.onNo();
  });
  return { el: h('span', { class: 'cw-confirm' }, `${opts.question} `, reason, ' ', yes, no), focus: () => reason.focus() };
}
