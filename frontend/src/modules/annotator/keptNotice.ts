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
  /** Discards the drawing kept at `savedAt`. */
  discard(savedAt: number): void;
}

/** What the callout says of one drawing: that it is not saved, why, and that it stays in this browser. */
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

/** One drawing: its text, Download PNG and Discard… (asked twice). */
function keptItem(kept: KeptDrawing, actions: KeptActions): HTMLElement {
  const downloadBtn = button('Download PNG', { small: true, variant: 'primary', onClick: () => download(kept) });
  downloadBtn.dataset.action = 'download-kept';
  const discardBtn = button('Discard…', { small: true, onClick: () => askDiscard() });
  discardBtn.dataset.action = 'discard-kept';
  const row = h('div', { class: 'cw-btn-row' }, downloadBtn, discardBtn);
  const askDiscard = () => {
    const sure = button('Discard it for good', { small: true, onClick: () => actions.discard(kept.savedAt) });
    sure.dataset.action = 'discard-kept-confirm';
    const keep = button('Keep it', { small: true, onClick: () => setChildren(row, downloadBtn, discardBtn) });
    setChildren(row, sure, keep);
  };
  return h('div', { 'data-kept-at': String(kept.savedAt) }, h('p', null, h('strong', null, 'Not saved. '), keptText(kept)), row);
}

/** Shows the kept drawings just before `anchor` (the callout goes when there are none). */
export function showKept(kept: KeptDrawing[], anchor: HTMLElement, actions: KeptActions): void {
  let el = document.querySelector<HTMLElement>('[data-kept-drawing]');
  if (!kept.length) {
    el?.remove();
    return;
  }
  if (!el) {
    el = h('div', { class: 'cw-callout cw-callout-danger', role: 'alert', 'data-kept-drawing': 'true' });
    anchor.before(el);
  }
  const shown = el.dataset.keptShown ?? '';
  const now = kept.map((k) => k.savedAt).join(',');
  if (shown === now) return; // unchanged: a re-render must not undo a pending "Discard…"
  el.dataset.keptShown = now;
  setChildren(el, ...kept.map((k) => keptItem(k, actions)));
}
