/**
 * The annotator's save card: the status line (saved, saving, offline with a
 * countdown, conflict, error, read-only), the conflict choice, the submitted
 * panel and the Save / Submit buttons. It shows the sync state and calls back
 * for every decision; it never talks to the server itself.
 */

import { button, card, h, nextLink, setChildren } from '../../lib/dom';
import { clockTime, dateTime, parseDate, shortTime } from '../../lib/format';
import { icons } from '../../lib/icons';
import { interceptPlainClick } from './queue';
import { retryText } from './answers';
import type { SyncState } from './sync';
import type { AnnotationDto } from './types';

export interface SaveCardActions {
  save(): void;
  submit(): void;
  retryNow(): void;
  loadNewer(): void;
  keepMine(): void;
  reopen(): void;
  /** Present when the page offers Skip. */
  skip?: () => void;
  /** "Next section": hands the next section out, then opens it. */
  next?: () => void;
}

export interface StatusContext {
  /** When the server copy was saved (shown before this page saved anything). */
  updatedAt: string | null;
  /** The page was opened read-only (not merely locked by a submit). */
  readOnly: boolean;
  /** The annotation has loaded, so submitting makes sense. */
  loaded: boolean;
}

export class SaveCard {
  readonly card: HTMLElement;
  /** The submitted panel is showing (N then goes to the next section). */
  submittedShown = false;
  private readonly status: HTMLElement;
  private readonly text = h('span', { class: 'cw-status-text' }, 'Loading annotation…');
  private readonly action = h('span', { class: 'cw-status-action' });
  private readonly conflictPanel = h('div', { class: 'cw-callout cw-callout-danger', hidden: true, 'data-panel': 'conflict' });
  private readonly submittedPanel = h('div', { class: 'cw-callout cw-callout-success', hidden: true, 'data-panel': 'submitted' });
  private readonly saveBtn: HTMLButtonElement;
  private readonly submitBtn: HTMLButtonElement;
  private readonly skipBtn: HTMLButtonElement | null = null;

  constructor(
    private readonly actions: SaveCardActions,
    private readonly root: HTMLElement,
  ) {
    this.status = h('div', { class: 'cw-status', 'data-phase': 'loading', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'cw-status-dot', 'aria-hidden': 'true' }), this.text, this.action);
    this.saveBtn = button('Save', { icon: icons.save, title: 'Save draft now (Ctrl+S) — drafts also save automatically', onClick: () => actions.save() });
    this.submitBtn = button('Submit', { icon: icons.check, kbd: 'Ctrl+↵', variant: 'primary', onClick: () => actions.submit() });
    if (actions.skip) {
      const skip = actions.skip;
      this.skipBtn = button('Skip for now', { icon: icons.next, variant: 'ghost', small: true, onClick: () => skip() });
      this.skipBtn.title = 'Skip this section for now: it comes back after the others in your queue';
      this.skipBtn.dataset.action = 'skip';
    }
    this.card = card(this.status, { class: 'cw-save-card' }, this.conflictPanel, this.submittedPanel, h('div', { class: 'cw-actions' }, this.saveBtn, this.submitBtn), this.skipBtn ? h('div', { class: 'cw-btn-row' }, this.skipBtn) : null);
  }

  render(st: SyncState, c: StatusContext): void {
    this.status.dataset.phase = st.phase;
    const [text, action] = this.describe(st, c);
    this.text.textContent = text;
    setChildren(this.action, action);
    this.status.title = st.error && st.phase !== 'error' ? st.error : '';
    this.renderConflict(st.conflict, st.reopenRefused);
    const canSubmit = st.editable && !st.conflict && c.loaded;
    this.submitBtn.disabled = !canSubmit || (st.phase === 'saving' && st.pendingSubmit);
    this.saveBtn.disabled = !st.editable || !st.dirty || st.phase === 'saving' || !!st.conflict;
    this.root.dataset.phase = st.phase;
    this.root.dataset.revision = st.revision === null ? '' : String(st.revision);
  }

  /** The load failed: says why, offers a retry, and says when the next automatic one comes. */
  showLoadError(text: string, retry: () => void): void {
    this.status.dataset.phase = 'error';
    this.text.textContent = text;
    setChildren(this.action, button('Retry now', { small: true, onClick: retry }));
  }

  showSubmitted(dto: AnnotationDto, nextUrl: string | null | undefined, canReopen: boolean): void {
    const actions: HTMLElement[] = [];
    const go = this.actions.next;
    if (nextUrl) actions.push(go ? interceptPlainClick(nextLink(nextUrl, icons.next), go) : nextLink(nextUrl, icons.next));
    if (canReopen) actions.push(button('Reopen', { icon: icons.reopen, onClick: () => this.actions.reopen() }));
    setChildren(
      this.submittedPanel,
      h('p', null, h('strong', null, 'Submitted'), dto.revision !== null ? ` · revision ${dto.revision}` : ''),
      h('div', { class: 'cw-btn-row' }, ...actions),
    );
    this.setSubmitted(true);
    (this.submittedPanel.querySelector('[data-action="next"]') as HTMLElement | null)?.focus({ preventScroll: true });
  }

  setSubmitted(shown: boolean): void {
    this.submittedShown = shown;
    this.submittedPanel.hidden = !shown;
    this.submitBtn.hidden = shown;
    this.saveBtn.hidden = shown;
    if (this.skipBtn) this.skipBtn.hidden = shown;
  }

  private describe(st: SyncState, c: StatusContext): [string, HTMLElement | null] {
    const rev = st.revision !== null ? ` · revision ${st.revision}` : '';
    switch (st.phase) {
      case 'loading':
        return ['Loading annotation…', null];
      case 'clean':
        if (st.lastSavedAt) return [`Saved ${clockTime(new Date(st.lastSavedAt))}${rev}`, null];
        if (st.revision !== null) return [`Up to date${rev}${c.updatedAt ? ` (saved ${dateTime(c.updatedAt)})` : ''}`, null];
        return ['No annotation yet — start drawing; drafts save automatically', null];
      case 'dirty':
        return ['Unsaved changes — saving in a moment', null];
      case 'saving':
        return [st.pendingSubmit ? 'Submitting…' : 'Saving…', null];
      case 'offline': {
        const s = st.retryAt ? Math.max(0, Math.ceil((st.retryAt - Date.now()) / 1000)) : 0;
        const text = retryText(st.retryStatus, s, st.pendingSubmit, navigator.onLine);
        return [text, button('Retry now', { small: true, onClick: () => this.actions.retryNow() })];
      }
      case 'conflict':
        return [st.conflict?.status === 'submitted' ? 'Conflict — you submitted this section in another tab or device' : 'Conflict — a newer version exists on the server', null];
      case 'error':
        return [`Not saved: ${st.error ?? 'the server refused the request'}`, button('Try again', { small: true, onClick: () => this.actions.save() })];
      case 'locked':
        if (st.error) return [`Not saved: ${st.error}`, null];
        if (st.status === 'submitted') return [`Submitted${rev}`, null];
        return [c.readOnly ? `Read-only${rev}` : `Read-only — you cannot edit this annotation${rev}`, null];
    }
  }

  private renderConflict(current: AnnotationDto | null, reopenRefused: string | null): void {
    if (!current) {
      this.conflictPanel.hidden = true;
      return;
    }
    const when = parseDate(current.updated_at);
    const rev = current.revision !== null && current.revision !== undefined ? `revision ${current.revision}` : 'a newer revision';
    const saved = `${rev}${when ? `, saved ${shortTime(when)}` : ''}`;
    // A copy submitted elsewhere takes no save until reopened: Keep mine reopens it first (sync.ts).
    const submitted = current.status === 'submitted';
    const loadBtn = button(submitted ? 'Load submitted' : 'Load newer', { variant: 'primary', small: true, onClick: () => this.actions.loadNewer() });
    loadBtn.title = submitted
      ? 'Show the submitted version (yours stays in undo history: Reopen, then Ctrl+Z brings it back)'
      : 'Replace your mask with the server version (your version stays in undo history)';
    const keepBtn = button(submitted ? 'Reopen and keep mine' : 'Keep mine', { small: true, onClick: () => this.actions.keepMine() });
    keepBtn.title = submitted ? 'Reopen your submission and save your mask over it as a draft' : 'Save your mask as the newest revision';
    const canKeep = !submitted || current.can_reopen !== false;
    setChildren(
      this.conflictPanel,
      submitted
        ? h('p', null, h('strong', null, 'Submitted elsewhere. '), `You submitted this section (${saved}) in another tab or device.`)
        : h('p', null, h('strong', null, 'Conflict. '), `A newer version (${saved}) exists — probably from another tab or device.`),
      h('p', { class: 'cw-muted' }, canKeep ? 'Your edits are kept here until you choose.' : 'It can no longer be reopened, so your edits here cannot replace it.'),
      reopenRefused ? h('p', { 'data-role': 'reopen-refused' }, reopenRefused) : null,
      h('div', { class: 'cw-btn-row' }, loadBtn, canKeep ? keepBtn : null),
    );
    this.conflictPanel.hidden = false;
  }
}
