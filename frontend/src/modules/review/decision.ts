/**
 * The review page's Decision card: which decisions it shows, the note it starts with, and the
 * ground-truth badge beside the page title. A section whose ground truth is an imported mask and
 * that has no consensus comes with a `decisionNote` (annotations/selectors/review/decision.py):
 * the card says which mask the section is scored against and shows no Confirm and no Edit, since
 * nothing of the annotators' is there to confirm (the API refuses it too, 409
 * `imported_ground_truth`); Send back only when someone annotated the section.
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

/** "Ground truth vN" beside the title once a consensus was confirmed (stale: annotations changed since). */
export function groundTruthBadge(gt: ReviewConfig['groundTruth']): HTMLElement | null {
  if (!gt) return null;
  const title = gt.stale ? 'Annotations changed after this ground truth was confirmed' : 'Confirmed ground truth exists';
  return h('span', { class: `cw-badge ${gt.stale ? 'cw-badge-warning' : 'cw-badge-succeeded'}`, title }, `Ground truth v${gt.version}${gt.stale ? ' · stale' : ''}`);
}
