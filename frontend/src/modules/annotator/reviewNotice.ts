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
import type { SentBackNews } from './types';

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

/** Shows `text` in the review notice just before `anchor` (one notice: a newer one replaces it). */
export function showReviewNotice(anchor: HTMLElement, text: string): void {
  let el = document.querySelector<HTMLElement>('[data-review-notice]');
  if (!el) {
    el = h('div', { class: 'cw-callout cw-callout-warning', role: 'alert', 'data-review-notice': 'true' });
    anchor.before(el);
  }
  el.textContent = text;
}

/**
 * What a save's answer says of a send-back that named this draft's author (`sent_back`, sent
 * once): its line, or null when there is none or the page already shows that send-back in its
 * callout (it was opened after the send-back).
 */
export function sentBackNews(news: SentBackNews | null | undefined, root: ParentNode = document): string | null {
  if (!news) return null;
  const shown = root.querySelector('[data-sent-back] time')?.getAttribute('datetime');
  if (shown && Date.parse(shown) === Date.parse(news.at)) return null;
  return news.said;
}

/** Watches the section's notices and shows the latest one just before `anchor` (which says
 * `data-review-notices="live"` once joined); `onLive` is called each time the socket is open,
 * also after a reconnect (the server back after a restart). */
export function watchReviewDecisions(sectionId: number | string, anchor: HTMLElement, onLive: () => void = () => {}): LiveSocket {
  const show = (text: string) => showReviewNotice(anchor, text);
  const ignore = () => {};
  return new LiveSocket({
    wsUrl: `/ws/sections/${sectionId}/`,
    onMessage: (msg) => {
      // The server's greeting once the page has joined: from then on no decision is missed.
      if (msg.type === 'hello') anchor.dataset.reviewNotices = 'live';
      if (isReviewNotice(msg)) show(noticeText(msg));
    },
    onSnapshot: ignore,
    onConn: (conn) => {
      if (conn === 'live') onLive();
    },
    onRefused: ignore,
    onError: ignore,
    isFinished: () => false,
    hasSnapshot: () => true,
  });
}
