/**
 * The callout above the save card for a drawing that could not be saved (kept.ts): why (who
 * confirmed or excluded the section, when), and the two things the annotator can do with it:
 * download it as a PNG mask, or discard it (asked twice). Nothing here saves it.
 */

import { button, h, setChildren } from '../../lib/dom';
import { dateTime } from '../../lib/format';
import { base64ToBytes } from '../../editor/png';
import { keptFileName } from './kept';
import type { KeptDrawing } from './types';

export interface KeptActions {
  discard(): void;
}

/** What the callout says: that the drawing is not saved, why, and that it stays in this browser. */
export function keptText(kept: KeptDrawing): string {
  const when = dateTime(new Date(kept.savedAt).toISOString());
  return (
    `Your drawing of this section from ${when} could not be saved: ${kept.why} ` +
    'It is kept only in this browser and is never saved by itself: download it as a PNG mask ' +
    '(as the app saves masks), or discard it.'
  );
}

function download(kept: KeptDrawing): void {
  const bytes = base64ToBytes(kept.maskPng);
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/png' }));
  const a = h('a', { href: url, download: keptFileName(kept.sectionId, kept.savedAt), hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Shows `kept` just before `anchor` (or removes the callout when null). */
export function showKept(kept: KeptDrawing | null, anchor: HTMLElement, actions: KeptActions): void {
  let el = document.querySelector<HTMLElement>('[data-kept-drawing]');
  if (!kept) {
    el?.remove();
    return;
  }
  if (!el) {
    el = h('div', { class: 'cw-callout cw-callout-danger', role: 'alert', 'data-kept-drawing': 'true' });
    anchor.before(el);
  }
  const callout = el;
  const downloadBtn = button('Download PNG', { small: true, variant: 'primary', onClick: () => download(kept) });
  downloadBtn.dataset.action = 'download-kept';
  const discardBtn = button('Discard…', { small: true, onClick: () => askDiscard() });
  discardBtn.dataset.action = 'discard-kept';
  const row = h('div', { class: 'cw-btn-row' }, downloadBtn, discardBtn);
  const askDiscard = () => {
    const sure = button('Discard it for good', { small: true, onClick: () => actions.discard() });
    sure.dataset.action = 'discard-kept-confirm';
    const keep = button('Keep it', { small: true, onClick: () => setChildren(row, downloadBtn, discardBtn) });
    setChildren(row, sure, keep);
  };
  setChildren(callout, h('p', null, h('strong', null, 'Not saved. '), keptText(kept)), row);
}
