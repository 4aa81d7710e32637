/**
 * Live notices of a reviewer's decision on the section open in the annotator
 * (annotations/consumers.py, ws/sections/<id>/): a send-back, confirmation or
 * exclusion made while the page is open is shown at once above the save card,
 * in the same words as the 409 the page's next save would get. It only says it
 * sooner: nothing is saved or discarded here, and a page whose socket is down
 * learns the same at its next save.
 */

import { h } from '../../lib/dom';
import { LiveSocket } from '../job/socket';

export interface ReviewDecisionNotice {
  type: 'review_decision';
  action: string;
  by: string | null;
  status: string;
  annotators: string[];
  said: string;
}

export function isReviewNotice(msg: Record<string, unknown>): msg is Record<string, unknown> & ReviewDecisionNotice {
  return msg.type === 'review_decision' && typeof msg.said === 'string' && typeof msg.action === 'string';
}

/** The reviewer's words, then what the annotator can do about them. */
export function noticeText(n: ReviewDecisionNotice): string {
  if (n.action === 'send_back') return `${n.said} Reopen your annotation, or keep editing your draft, to change it.`;
  return `${n.said} Your drawing stays on this page, but it can no longer be saved.`;
}

/** Watches the section's notices and shows the latest one just before `anchor` (which says
 * `data-review-notices="live"` once joined). */
export function watchReviewDecisions(sectionId: number | string, anchor: HTMLElement): LiveSocket {
  const show = (text: string) => {
    let el = document.querySelector<HTMLElement>('[data-review-notice]');
    if (!el) {
      el = h('div', { class: 'cw-callout cw-callout-warning', role: 'alert', 'data-review-notice': 'true' });
      anchor.before(el);
    }
    el.textContent = text;
  };
  const ignore = () => {};
  return new LiveSocket({
    wsUrl: `/ws/sections/${sectionId}/`,
    onMessage: (msg) => {
      // The server's greeting once the page has joined: from then on no decision is missed.
      if (msg.type === 'hello') anchor.dataset.reviewNotices = 'live';
      if (isReviewNotice(msg)) show(noticeText(msg));
    },
    onSnapshot: ignore,
    onConn: ignore,
    onRefused: ignore,
    onError: ignore,
    isFinished: () => false,
    hasSnapshot: () => true,
  });
}
