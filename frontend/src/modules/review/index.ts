/**
 * Review page: compare annotators' contours, the consensus and the
 * disagreement map; confirm (optionally after editing), send back or exclude.
 * The layers and legend (layers.ts), the agreement card (agreement.ts), the
 * decision forms (forms.ts), what the Decision card offers (decision.ts) and the audit trail
 * (audit.ts) live beside it.
 * A multi-channel section shows one channel at a time (the Channel card, X).
 */

import { CHANNEL_SHORTCUT, ChannelSelect, channelUrl } from '../../components/ChannelSelect';
import { NEIGHBOUR_SHORTCUT, NeighbourPanel } from '../../components/NeighbourPanel';
import { REFERENCE_SHORTCUT, ReferencePanel } from '../../components/ReferencePanel';
import { HELP_SHORTCUT } from '../../components/ShortcutPanel';
import { WINDOW_SHORTCUTS, WindowControl } from '../../components/WindowControl';
import { workbench } from '../../components/Workbench';
import { MaskEditor } from '../../editor/MaskEditor';
import { ApiError, postJson } from '../../lib/api';
import { button, card, h, setChildren } from '../../lib/dom';
import { capitalise, dateTime } from '../../lib/format';
import { icons } from '../../lib/icons';
import { isMod, onShortcut, type ShortcutGroup } from '../../lib/keys';
import { agreementCard } from './agreement';
import { AuditTrail } from './audit';
import { decisionNote, groundTruthBadge, leftProject, offeredDecisions, sendBackNote } from './decision';
import { ProposalEdit, reviewEditorLabels } from './edit';
import { excludeForm, includeForm, sendBackForm } from './forms';
import { ReviewLayers } from './layers';
import { type Outcome, STATUS_LABELS, setStatusBadge, showOutcome } from './outcome';
import type { ReviewConfig } from './types';

export type { ReviewAnnotation, ReviewConfig } from './types';

const EDIT_COLOUR = '#00e5ff';

export class ReviewPage {
  readonly editor: MaskEditor;
  private readonly layers: ReviewLayers;
  private readonly proposalEdit: ProposalEdit;
  private readonly windowCtl: WindowControl | null;
  private readonly channels: ChannelSelect | null;
  private readonly neighbours: NeighbourPanel;
  private readonly reference: ReferencePanel | null = null;
  private readonly audit: AuditTrail;
  private readonly resultEl = h('div', { class: 'cw-result', 'aria-live': 'polite' });
  private readonly formHost = h('div', { class: 'cw-form-host' });
  private readonly actionBar: HTMLElement;
  private readonly editBtn: HTMLButtonElement;
  private readonly confirmBtn: HTMLButtonElement;
  private editing = false;
  private edited = false;
  private done = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly cfg: ReviewConfig,
  ) {
    const s = cfg.section;
    const { main, sidebar } = workbench(root, { page: 'review', title: `Review · ${s.label ?? `section ${s.id}`}`, beside: groundTruthBadge(cfg.groundTruth), shortcuts: () => this.shortcuts() });
    this.windowCtl = WindowControl.forModality(cfg.window, s.modality, () => this.applyWindow());
    this.channels = ChannelSelect.create(s.channels, () => this.applyWindow(), this.windowCtl);
    this.editor = new MaskEditor(main, { width: s.width, height: s.height, imageUrl: this.imageUrl(s.imageUrl), readOnly: true, colour: EDIT_COLOUR, ...reviewEditorLabels(cfg), ariaLabel: `Review of section ${s.label ?? s.id}` });
    this.editor.setMaskStyle('outline');
    this.editor.addEventListener('change', (ev) => {
      if ((ev as CustomEvent<{ source: string }>).detail.source !== 'api') this.edited = true;
    });
    this.layers = new ReviewLayers(cfg, s.width, s.height, capitalise(this.proposal));
    this.proposalEdit = new ProposalEdit(this.editor, cfg, cfg.consensus?.labelled ? null : this.layers.consensusMask);
    this.editBtn = button(`Edit ${this.proposal}`, { icon: icons.edit, small: true, onClick: () => this.toggleEdit() });
    this.confirmBtn = button('Confirm', { icon: icons.check, variant: 'primary', kbd: 'Ctrl+↵', onClick: () => void this.confirm() });
    const acts = cfg.actions ?? {};
    const sendBtn = button('Send back', { icon: icons.send, title: cfg.sendBackNote ?? undefined, onClick: () => this.showSendBack() });
    const exclBtn = button('Exclude', { icon: icons.ban, variant: 'danger', onClick: () => this.showExclude() });
    this.confirmBtn.disabled = !acts.confirm;
    sendBtn.disabled = !acts.sendBack;
    exclBtn.disabled = !acts.exclude;
    // An excluded section offers the undo of its exclusion.
    const inclBtn = cfg.status === 'excluded' && acts.include ? button('Include again', { icon: icons.check, onClick: () => this.showInclude() }) : null;
    if (!this.layers.consensusMask) this.confirmBtn.title = `No ${this.proposal} yet: use Edit to draw the ground truth, then confirm`;
    const withAnnotators = cfg.annotatorTools ?? true;
    const offered = offeredDecisions(cfg);
    this.actionBar = h('div', { class: 'cw-btn-row' }, offered.confirm ? this.confirmBtn : null, ...(withAnnotators ? [offered.sendBack ? sendBtn : null, exclBtn] : []), inclBtn);
    this.neighbours = new NeighbourPanel(cfg.neighbours, (u) => this.imageUrl(u), s.z);
    this.audit = new AuditTrail(cfg.auditUrl, outside(root, '#audit-trail ol, #audit-trail ul'));
    sidebar.appendChild(card('Decision', { 'data-card': 'actions' }, decisionNote(cfg), sendBackNote(cfg), offered.edit ? h('div', { class: 'cw-btn-row' }, this.editBtn) : null, this.actionBar, this.formHost, this.resultEl));
    // The stain reference sits high in the sidebar, so R shows it without scrolling.
    if (cfg.fluorescence?.imageUrl) {
      this.reference = new ReferencePanel(cfg.fluorescence.imageUrl);
      sidebar.appendChild(this.reference.card);
    }
    sidebar.appendChild(card('Layers', { 'data-card': 'layers' }, this.layers.legend((name, visible) => this.toggleLayer(name, visible))));
    // The template may render a fuller agreement table itself; then it is not repeated here.
    if (withAnnotators && !outside(root, '#agreement, #agreement-pairs')) sidebar.appendChild(agreementCard(cfg));
    if (this.channels) sidebar.appendChild(this.channels.card);
    if (this.windowCtl) sidebar.appendChild(card('Display', null, this.windowCtl.el));
    if (cfg.neighbours?.prev || cfg.neighbours?.next) {
      const nb = this.neighbours;
      const row = h('div', { class: 'cw-btn-row' }, nb.button('prev', `View${nb.zLabel('prev')}`, ','), nb.button('next', `View${nb.zLabel('next')}`, '.'));
      sidebar.appendChild(card('Neighbouring sections', null, row, this.neighbours.figure));
    }
    if (this.audit.card) sidebar.appendChild(this.audit.card);
    this.applyOverlays();
    onShortcut((ev) => this.keyAction(ev));
    if (!this.audit.fromTemplate) void this.audit.load();
  }

  private get proposal(): string {
    return this.cfg.proposalName || 'consensus';
  }

  private applyOverlays(): void {
    this.editor.setOverlays(this.layers.overlays(this.editing));
  }

  private toggleLayer(name: string, visible?: boolean): void {
    if (this.layers.toggle(name, visible)) this.applyOverlays();
  }

  private shortcuts(): ShortcutGroup[] {
    const items = [
      { keys: 'K', label: `${capitalise(this.proposal)} contour on/off` },
      { keys: 'D', label: 'Disagreement map on/off' },
      { keys: 'M', label: 'Nuclei only a minority found on/off' },
      { keys: 'T', label: 'Ground truth contour on/off' },
      ...(this.cfg.importedTruth ? [{ keys: 'I', label: 'Imported ground truth contour on/off' }] : []),
      { keys: '1 … 9', label: 'Annotator contours on/off' },
      NEIGHBOUR_SHORTCUT,
      ...WINDOW_SHORTCUTS,
      ...(this.channels ? [CHANNEL_SHORTCUT] : []),
      ...(this.cfg.fluorescence ? [REFERENCE_SHORTCUT] : []),
      { keys: 'Ctrl+Enter', label: 'Confirm' },
      HELP_SHORTCUT,
      // While editing, the drawing keys win (K cuts, a class key picks its class); the legend still switches layers.
      ...(this.editing ? [{ keys: 'While editing', label: 'The drawing keys below come first; use the Layers checkboxes' }] : []),
    ];
    return [{ title: 'Review', items }, ...this.editor.shortcuts()];
  }

  /** `url` in the channel shown; only the first channel takes the display window. */
  private imageUrl(url: string): string {
    return channelUrl(url, this.channels, (u) => this.windowCtl?.url(u) ?? u);
  }

  private applyWindow(): void {
    this.editor.setImageUrl(this.imageUrl(this.cfg.section.imageUrl));
    this.neighbours.refresh();
  }

  private toggleEdit(): void {
    if (this.done || this.editBtn.disabled) return;
    this.editing = !this.editing;
    const label = this.editBtn.querySelector('.cw-btn-label')!;
    if (this.editing) {
      this.proposalEdit.load(`Start from ${this.proposal}`);
      this.editor.setMaskStyle('fill');
      this.editor.setReadOnly(false);
      this.editor.setTool('brush');
      label.textContent = 'Stop editing';
      this.editor.showToast(`Editing the ${this.proposal} — your edits are confirmed with Confirm`);
    } else {
      this.editor.setReadOnly(true);
      this.editor.setMaskStyle('outline');
      label.textContent = this.edited ? 'Continue editing' : `Edit ${this.proposal}`;
    }
    this.root.classList.toggle('is-editing', this.editing);
    this.applyOverlays();
  }

  private async confirm(): Promise<void> {
    const url = this.cfg.actions?.confirm;
    if (!url || this.done) return;
    const useEdited = this.proposalEdit.differs();
    if (!useEdited && !this.cfg.consensus) {
      this.showResult('warning', `There is no ${this.proposal} to confirm. Use “Edit ${this.proposal}” to draw the ground truth first.`);
      return;
    }
    const body = {
      consensus_id: this.cfg.consensus?.id ?? null,
      mask_png: useEdited ? this.proposalEdit.png() : this.cfg.consensus!.mask_png,
      edited: useEdited,
      base_version: this.cfg.groundTruth?.version ?? null,
    };
    const ok = (res: { version?: number }) => `Confirmed — ground truth version ${res?.version ?? '?'}${useEdited ? ' (edited)' : ''}.`;
    await this.runAction(this.confirmBtn, () => postJson<{ version?: number }>(url, body), ok, () => 'confirmed');
  }

  /** Runs a decision; on success shows `ok` and the section's new status (`status`). */
  private async runAction<T>(btn: HTMLButtonElement, call: () => Promise<T>, ok: (res: T) => string, status: (res: T) => string | undefined): Promise<void> {
    btn.disabled = true;
    const label = btn.querySelector('.cw-btn-label');
    const original = label?.textContent ?? '';
    if (label) label.textContent = 'Working…';
    try {
      const res = await call();
      this.finish('success', ok(res), status(res));
    } catch (err) {
      // A decision that lost the race has a winner to show (a confirmation, or the other reviewer's
      // send-back or exclusion); any other refusal (too few annotations, a newer consensus) is
      // shown with its reason and the action stays available.
      if (err instanceof ApiError && err.code === 'stale_ground_truth') {
        this.showConflict(err);
      } else if (err instanceof ApiError && err.code === 'section_status') {
        // Someone sent the section back, reopened or excluded it meanwhile: their decision stands.
        const cur = (err.data as { current?: { status?: string } } | null)?.current;
        this.finish('warning', `Not done: ${err.detail}`, cur?.status);
      } else {
        const detail = err instanceof ApiError ? err.detail : String(err);
        this.showResult('danger', `Not done: ${detail}${err instanceof ApiError && err.retryable ? ' — check the connection and try again.' : ''}`);
        btn.disabled = false;
      }
    } finally {
      if (label) label.textContent = original;
    }
  }

  private showConflict(err: ApiError): void {
    const cur = (err.data as { current?: { version?: number; mask_png?: string; reviewer?: string; confirmed_at?: string } } | null)?.current;
    if (this.layers.addWinner(cur?.mask_png, cur?.reviewer)) this.applyOverlays();
    const who = cur?.reviewer ? ` by ${cur.reviewer}` : '';
    const when = cur?.confirmed_at ? ` at ${dateTime(cur.confirmed_at)}` : '';
    this.finish('warning', `Another reviewer was first: ground truth version ${cur?.version ?? '?'} was confirmed${who}${when}. Their result is shown in green. ${err.detail}`, 'confirmed');
  }

  private finish(kind: 'success' | 'warning', text: string, status?: string): void {
    // Editing stops first (toggleEdit does nothing once the decision is done).
    if (this.editing) this.toggleEdit();
    this.done = true;
    if (status) setStatusBadge(status);
    this.editBtn.disabled = true;
    for (const b of this.actionBar.querySelectorAll('button')) b.disabled = true;
    this.formHost.replaceChildren();
    this.showResult(kind, text, true);
    void this.audit.load();
  }

  private showResult(kind: Outcome, text: string, withNext = false): void {
    showOutcome(this.resultEl, kind, text, withNext ? this.cfg.nextUrl : null);
    this.root.dataset.outcome = kind;
  }

  private showSendBack(): void {
    const url = this.cfg.actions?.sendBack;
    if (!url || this.done) return;
    const names = this.cfg.annotators ?? (this.cfg.annotations ?? []).map((a) => a.annotator);
    const send = (comment: string, chosen: string[], submit: HTMLButtonElement) =>
      void this.runAction(submit, () => postJson<{ status?: string }>(url, { comment, annotators: chosen, base_version: this.cfg.groundTruth?.version ?? null }), () => `Sent back to ${chosen.join(', ')}.`, (res) => res?.status ?? 'sent_back');
    this.showForm(sendBackForm(names, send, () => this.formHost.replaceChildren(), leftProject(this.cfg)));
  }

  private showExclude(): void {
    const url = this.cfg.actions?.exclude;
    if (!url || this.done) return;
    const send = (reason: string, submit: HTMLButtonElement) =>
      void this.runAction(submit, () => postJson<{ status?: string }>(url, { reason, base_version: this.cfg.groundTruth?.version ?? null }), () => 'Section excluded from the data set.', (res) => res?.status ?? 'excluded');
    this.showForm(excludeForm(send, () => this.formHost.replaceChildren()));
  }

  private showInclude(): void {
    const url = this.cfg.actions?.include;
    if (!url || this.done) return;
    const send = (reason: string, submit: HTMLButtonElement) =>
      void this.runAction(submit, () => postJson<{ status?: string }>(url, { reason }), (res) => `Section included again: ${(STATUS_LABELS[res?.status ?? ''] ?? res?.status ?? '').toLowerCase()}.`, (res) => res?.status);
    this.showForm(includeForm(send, () => this.formHost.replaceChildren()));
  }

  private showForm([form, field]: [HTMLFormElement, HTMLTextAreaElement]): void {
    setChildren(this.formHost, form);
    field.focus();
  }

  private keyAction(ev: KeyboardEvent): (() => void) | null {
    if (isMod(ev) && ev.key === 'Enter') return () => void this.confirm();
    if (isMod(ev) || ev.altKey) return null;
    const k = ev.key.toLowerCase();
    const layer = { k: 'consensus', d: 'disagreement', t: 'gt', m: 'minority', i: 'imported' }[k];
    if (layer) return () => this.toggleLayer(layer);
    const shared = this.neighbours.keyAction(k) ?? this.windowCtl?.keyAction(k);
    if (shared) return shared;
    if (k === 'x' && this.channels) return () => this.channels?.next();
    if (k === 'r' && this.reference) return () => this.reference?.toggle();
    const next = this.cfg.nextUrl;
    if (k === 'n' && this.done && next) {
      return () => {
        window.location.href = next;
      };
    }
    const annotator = /^[1-9]$/.test(k) ? this.layers.annotator(Number(k)) : undefined;
    return annotator ? () => this.toggleLayer(annotator.name) : null;
  }
}

/** First element matching `selector` that is not part of the app itself. */
function outside(root: HTMLElement, selector: string): HTMLElement | null {
  return Array.from(document.querySelectorAll<HTMLElement>(selector)).find((el) => !root.contains(el)) ?? null;
}

export function mountReview(root: HTMLElement, config: ReviewConfig): ReviewPage {
  return new ReviewPage(root, config);
}
