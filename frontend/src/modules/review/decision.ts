/**
 * The review page's Decision card: which decisions it shows, the note it starts with, and the
 * ground-truth badge beside the page title. A section whose ground truth is an imported mask and
 * that has no consensus comes with a `decisionNote` (annotations/selectors/review/decision.py):
 * the card says which mask the section is scored against and shows no Confirm and no Edit, since
 * nothing of the annotators' is there to confirm (the API refuses it too, 409
 * `imported_ground_truth`); Send back only when someone annotated the section. An annotator who
 * has left the project is not offered in the send-back form, and with all of them gone there is
 * no Send back: `sendBackNote` says why (annotations/selectors/review/decision.py).
 */

import { h } from '../../lib/dom';
import type { ReviewConfig } from './types';

export interface OfferedDecisions {
  confirm: boolean;
  edit: boolean;
  sendBack: boolean;
}

/** The decisions the card shows (a shown one without its action URL is disabled). */
export function offeredDecisions(cfg: ReviewConfig): OfferedDecisions {
  const noted = !!cfg.decisionNote;
  return { confirm: !noted, edit: !noted, sendBack: !noted || !!cfg.actions?.sendBack };
}

/** The note the card starts with, or null. */
export function decisionNote(cfg: ReviewConfig): HTMLElement | null {
  if (!cfg.decisionNote) return null;
  return h('p', { class: 'cw-callout cw-callout-info', 'data-role': 'decision-note' }, cfg.decisionNote);
}

/** The annotators who have left the project, each with why they cannot be sent the section back. */
export function leftProject(cfg: ReviewConfig): Record<string, string> {
  return Object.fromEntries((cfg.annotations ?? []).flatMap((a) => (a.left_project ? [[a.annotator, a.left_project]] : [])));
}

/** Why there is no Send back (every annotator has left the project), or null. */
export function sendBackNote(cfg: ReviewConfig): HTMLElement | null {
  if (!cfg.sendBackNote) return null;
  return h('p', { class: 'cw-muted', 'data-role': 'send-back-note' }, cfg.sendBackNote);
}

/** "Ground truth vN" beside the title once a consensus was confirmed (stale: annotations changed since). */
export function groundTruthBadge(gt: ReviewConfig['groundTruth']): HTMLElement | null {
  if (!gt) return null;
  const title = gt.stale ? 'Annotations changed after this ground truth was confirmed' : 'Confirmed ground truth exists';
  return h('span', { class: `cw-badge ${gt.stale ? 'cw-badge-warning' : 'cw-badge-succeeded'}`, title }, `Ground truth v${gt.version}${gt.stale ? ' · stale' : ''}`);
}
