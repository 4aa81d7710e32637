/**
 * Review page: compare annotators' contours, the consensus and the
 * disagreement map; confirm (optionally after editing), send back or exclude.
 */

import { helpButton, ShortcutPanel } from '../components/ShortcutPanel';
import { isWindowConfig, WindowControl, type WindowConfig } from '../components/WindowControl';
import { MaskEditor, type Overlay } from '../editor/MaskEditor';
import { decodeGray, base64ToBytes, pngBase64ToMask, resizeMask } from '../editor/png';
import { ApiError, getJson, postJson, withWindow } from '../lib/api';
import { button, h, setChildren } from '../lib/dom';
import { dateTime, num } from '../lib/format';
import { icons } from '../lib/icons';
import { isMod, isTypingTarget, type ShortcutGroup } from '../lib/keys';
import { fitToViewport } from '../lib/layout';
import type { SectionConfig } from './annotator';

export interface ReviewAnnotation {
  annotator: string;
  revision?: number;
  colour?: string;
  mask_png: string;
}

export interface ReviewConfig {
  module: 'review';
  csrfToken?: string;
  section: SectionConfig;
  window?: WindowConfig | null;
  neighbours?: { prev?: { imageUrl: string } | null; next?: { imageUrl: string } | null } | null;
  annotations?: ReviewAnnotation[];
  consensus?: { method?: string; mask_png: string; id: number | string } | null;
  /** What the proposal to confirm is called on this page (default "consensus"). */
  proposalName?: string;
  /** False where the proposal does not come from annotators (no agreement, send back or exclude). */
  annotatorTools?: boolean;
  disagreement_png?: string | null;
  agreement?: {
    mean_dice?: number | null;
    mean_jaccard?: number | null;
    pairs?: { a: string; b: string; dice?: number | null; jaccard?: number | null }[];
  } | null;
  groundTruth?: { version: number; mask_png?: string | null; stale?: boolean } | null;
  fluorescence?: { imageUrl: string } | null;
  actions?: { confirm?: string; sendBack?: string; exclude?: string };
  annotators?: string[];
  nextUrl?: string | null;
  auditUrl?: string | null;
}

interface AuditEntry {
  at?: string;
  actor?: string;
  action?: string;
  detail?: unknown;
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe', '#008080'];
const CONSENSUS_COLOUR = '#ffffff';
const GT_COLOUR = '#ffe119';
const EDIT_COLOUR = '#00e5ff';

export class ReviewPage {
  readonly editor: MaskEditor;
  private readonly cfg: ReviewConfig;
  private layers: (Overlay & { key?: string; label: string; swatch?: string })[] = [];
  private legendInputs = new Map<string, HTMLInputElement>();
  private editing = false;
  private edited = false;
  private consensusMask: Uint8Array | null = null;
  private get proposal(): string {
    return this.cfg.proposalName || 'consensus';
  }
  private resultEl!: HTMLElement;
  private actionBar!: HTMLElement;
  private formHost!: HTMLElement;
  private auditList!: HTMLElement;
  private editBtn!: HTMLButtonElement;
  private confirmBtn!: HTMLButtonElement;
  private windowCtl: WindowControl | null = null;
  private neighbourPanel: HTMLElement | null = null;
  private shownNeighbour: 'prev' | 'next' | null = null;
  private done = false;
  private auditIsServer = false;
  private fluorPanel: HTMLElement | null = null;
  private readonly panel: ShortcutPanel;

  constructor(
    private readonly root: HTMLElement,
    config: ReviewConfig,
  ) {
    this.cfg = config;
    const s = config.section;
    const W = s.width;
    const H = s.height;
    root.classList.add('cw-app', 'cw-review');
    this.panel = new ShortcutPanel(() => this.shortcuts());
    const main = h('div', { class: 'cw-main' });
    const sidebar = h('aside', { class: 'cw-sidebar' });
    setChildren(
      root,
      h(
        'header',
        { class: 'cw-appbar' },
        h('div', { class: 'cw-appbar-title' }, h('h1', null, `Review · ${s.label ?? `section ${s.id}`}`), this.gtBadge()),
        h('div', { class: 'cw-appbar-actions' }, helpButton(this.panel)),
      ),
      h('div', { class: 'cw-workspace' }, main, sidebar),
    );
    fitToViewport(root);
    if (isWindowConfig(config.window)) {
      this.windowCtl = new WindowControl(config.window, () => this.applyWindow(), { storageKey: `cellweb.window.${s.modality ?? 'default'}` });
    }
    this.editor = new MaskEditor(main, {
      width: W,
      height: H,
      imageUrl: this.imageUrl(s.imageUrl),
      readOnly: true,
      colour: EDIT_COLOUR,
      ariaLabel: `Review of section ${s.label ?? s.id}`,
    });
    this.editor.setMaskStyle('outline');
    this.editor.addEventListener('change', (ev) => {
      if ((ev as CustomEvent<{ source: string }>).detail.source !== 'api') this.edited = true;
    });
    this.buildLayers();
    this.buildSidebar(sidebar);
    this.applyOverlays();
    this.bindKeys();
    if (!this.auditIsServer) void this.loadAudit();
  }

  private gtBadge(): HTMLElement | null {
    const gt = this.cfg.groundTruth;
    if (!gt) return null;
    return h(
      'span',
      { class: `cw-badge ${gt.stale ? 'cw-badge-warning' : 'cw-badge-succeeded'}`, title: gt.stale ? 'Annotations changed after this ground truth was confirmed' : 'Confirmed ground truth exists' },
      `Ground truth v${gt.version}${gt.stale ? ' · stale' : ''}`,
    );
  }

  private decodeMask(b64: string | null | undefined): Uint8Array | null {
    if (!b64) return null;
    try {
      const d = pngBase64ToMask(b64);
      return resizeMask(d.mask, d.width, d.height, this.editor.width, this.editor.height);
    } catch {
      return null;
    }
  }

  private buildLayers(): void {
    const anns = this.cfg.annotations ?? [];
    anns.forEach((a, i) => {
      const mask = this.decodeMask(a.mask_png);
      const colour = a.colour ?? PALETTE[i % PALETTE.length]!;
      if (!mask) return;
      this.layers.push({
        name: `ann:${a.annotator}`,
        label: `${a.annotator}${a.revision !== undefined ? ` (rev ${a.revision})` : ''}`,
        colour,
        swatch: colour,
        mask,
        visible: true,
        key: i < 9 ? String(i + 1) : undefined,
      });
    });
    if (this.cfg.consensus?.mask_png) {
      this.consensusMask = this.decodeMask(this.cfg.consensus.mask_png);
      if (this.consensusMask) {
        this.layers.push({
          name: 'consensus',
          label: `${capitalise(this.proposal)}${this.cfg.consensus.method ? ` (${this.cfg.consensus.method})` : ''}`,
          colour: CONSENSUS_COLOUR,
          swatch: CONSENSUS_COLOUR,
          mask: this.consensusMask,
          visible: true,
          lineWidth: 2.5,
          key: 'K',
        });
      }
    }
    if (this.cfg.disagreement_png) {
      try {
        const img = decodeGray(base64ToBytes(this.cfg.disagreement_png));
        const heat =
          img.width === this.editor.width && img.height === this.editor.height
            ? img.data
            : resizeValues(img.data, img.width, img.height, this.editor.width, this.editor.height);
        const n = Math.max(1, (this.cfg.annotators ?? this.cfg.annotations ?? []).length);
        this.layers.push({ name: 'disagreement', label: 'Disagreement map', heat, heatMax: n, visible: false, key: 'D', swatch: 'heat' });
      } catch {
        // A broken heat map must not block the review.
      }
    }
    const gtMask = this.decodeMask(this.cfg.groundTruth?.mask_png);
    if (gtMask) {
      this.layers.push({
        name: 'gt',
        label: `Ground truth v${this.cfg.groundTruth!.version}`,
        colour: GT_COLOUR,
        swatch: GT_COLOUR,
        mask: gtMask,
        visible: false,
        dashed: true,
        key: 'T',
      });
    }
  }

  private applyOverlays(): void {
    this.editor.setOverlays(
      this.layers.map((l) => ({ ...l, visible: (l.visible ?? true) && !(this.editing && l.name === 'consensus') })),
    );
  }

  private toggleLayer(name: string, visible?: boolean): void {
    const l = this.layers.find((x) => x.name === name);
    if (!l) return;
    l.visible = visible ?? !l.visible;
    const input = this.legendInputs.get(name);
    if (input) input.checked = !!l.visible;
    this.applyOverlays();
  }

  private buildSidebar(sidebar: HTMLElement): void {
    // Layers / legend
    const legend = h('ul', { class: 'cw-legend' });
    for (const l of this.layers) {
      const input = h('input', { type: 'checkbox' });
      input.checked = !!l.visible;
      input.addEventListener('change', () => this.toggleLayer(l.name, input.checked));
      this.legendInputs.set(l.name, input);
      const swatch = h('span', { class: `cw-swatch${l.swatch === 'heat' ? ' cw-swatch-heat' : ''}${l.dashed ? ' cw-swatch-dashed' : ''}` });
      if (l.swatch && l.swatch !== 'heat') swatch.style.setProperty('--swatch', l.swatch);
      legend.appendChild(h('li', null, h('label', null, input, swatch, h('span', { class: 'cw-legend-label' }, l.label), l.key ? h('kbd', { class: 'cw-kbd' }, l.key) : null)));
    }
    if (!this.layers.length) legend.appendChild(h('li', { class: 'cw-muted' }, 'No annotations to compare yet.'));

    this.editBtn = button(`Edit ${this.proposal}`, { icon: icons.edit, small: true, onClick: () => this.toggleEdit() });
    this.confirmBtn = button('Confirm', { icon: icons.check, variant: 'primary', kbd: 'Ctrl+↵', onClick: () => void this.confirm() });
    const acts = this.cfg.actions ?? {};
    if (!acts.confirm) this.confirmBtn.disabled = true;
    const sendBtn = button('Send back', { icon: icons.send, onClick: () => this.showSendBack() });
    const exclBtn = button('Exclude', { icon: icons.ban, variant: 'danger', onClick: () => this.showExclude() });
    if (!acts.sendBack) sendBtn.disabled = true;
    if (!acts.exclude) exclBtn.disabled = true;
    const withAnnotators = this.cfg.annotatorTools ?? true;
    this.actionBar = h('div', { class: 'cw-btn-row' }, this.confirmBtn, ...(withAnnotators ? [sendBtn, exclBtn] : []));
    this.formHost = h('div', { class: 'cw-form-host' });
    this.resultEl = h('div', { class: 'cw-result', 'aria-live': 'polite' });
    if (!this.consensusMask) this.confirmBtn.title = `No ${this.proposal} yet: use Edit to draw the ground truth, then confirm`;

    sidebar.append(
      h('section', { class: 'cw-card', 'data-card': 'actions' }, h('h2', { class: 'cw-card-title' }, 'Decision'), h('div', { class: 'cw-btn-row' }, this.editBtn), this.actionBar, this.formHost, this.resultEl),
      h('section', { class: 'cw-card', 'data-card': 'layers' }, h('h2', { class: 'cw-card-title' }, 'Layers'), legend),
    );
    // The template may render a fuller agreement table itself; then it is not repeated here.
    if (withAnnotators && !outside(this.root, '#agreement, #agreement-pairs')) sidebar.appendChild(this.agreementCard());
    if (this.windowCtl) sidebar.appendChild(h('section', { class: 'cw-card' }, h('h2', { class: 'cw-card-title' }, 'Display'), this.windowCtl.el));
    const nb = this.cfg.neighbours ?? {};
    if (nb.prev || nb.next) {
      const img = h('img', { class: 'cw-side-image', alt: '' });
      const cap = h('figcaption');
      this.neighbourPanel = h('figure', { class: 'cw-side-figure', hidden: true }, img, cap);
      const b = (side: 'prev' | 'next', label: string, kbd: string) => {
        const btn = button(label, { kbd, small: true, onClick: () => this.toggleNeighbour(side) });
        if (!nb[side]) btn.disabled = true;
        return btn;
      };
      sidebar.appendChild(
        h('section', { class: 'cw-card' }, h('h2', { class: 'cw-card-title' }, 'Neighbouring sections'), h('div', { class: 'cw-btn-row' }, b('prev', 'Previous', ','), b('next', 'Next', '.')), this.neighbourPanel),
      );
    }
    if (this.cfg.fluorescence?.imageUrl) {
      const img = h('img', { class: 'cw-side-image', alt: 'Reference fluorescence image of this section' });
      this.fluorPanel = h('figure', { class: 'cw-side-figure', hidden: true }, img, h('figcaption', null, 'Reference fluorescence (same section)'));
      const toggle = button('Fluorescence', { icon: icons.fluor, kbd: 'R', small: true, onClick: () => this.toggleFluorescence() });
      toggle.setAttribute('aria-pressed', 'false');
      sidebar.appendChild(h('section', { class: 'cw-card' }, h('div', { class: 'cw-card-head' }, h('h2', { class: 'cw-card-title' }, 'Reference'), toggle), this.fluorPanel));
    }
    // A server-rendered audit list (#audit-trail ol) is reused and refreshed after actions.
    const serverAudit = outside(this.root, '#audit-trail ol, #audit-trail ul');
    if (serverAudit) {
      this.auditList = serverAudit;
      this.auditIsServer = true;
    } else {
      this.auditList = h('ol', { class: 'cw-audit' }, h('li', { class: 'cw-muted' }, this.cfg.auditUrl ? 'Loading…' : 'No audit trail available.'));
      sidebar.appendChild(h('section', { class: 'cw-card', 'data-card': 'audit' }, h('h2', { class: 'cw-card-title' }, 'Audit trail'), this.auditList));
    }
  }

  private agreementCard(): HTMLElement {
    const ag = this.cfg.agreement;
    const card = h('section', { class: 'cw-card', 'data-card': 'agreement' }, h('h2', { class: 'cw-card-title' }, 'Agreement'));
    if (!ag) {
      card.appendChild(h('p', { class: 'cw-muted' }, 'Needs at least two annotations.'));
      return card;
    }
    card.appendChild(
      h(
        'div',
        { class: 'cw-stats' },
        h('div', { class: 'cw-stat' }, h('span', { class: 'cw-stat-value' }, num(ag.mean_dice)), h('span', { class: 'cw-stat-label' }, 'mean Dice')),
        h('div', { class: 'cw-stat' }, h('span', { class: 'cw-stat-value' }, num(ag.mean_jaccard)), h('span', { class: 'cw-stat-label' }, 'mean Jaccard')),
      ),
    );
    if (ag.pairs?.length) {
      const colourOf = new Map((this.cfg.annotations ?? []).map((a, i) => [a.annotator, a.colour ?? PALETTE[i % PALETTE.length]!]));
      const who = (n: string) => {
        const sw = h('span', { class: 'cw-swatch' });
        sw.style.setProperty('--swatch', colourOf.get(n) ?? '#888');
        return h('span', { class: 'cw-who' }, sw, n);
      };
      card.appendChild(
        h(
          'table',
          { class: 'cw-table cw-table-compact' },
          h('thead', null, h('tr', null, h('th', null, 'Pair'), h('th', { class: 'cw-num' }, 'Dice'), h('th', { class: 'cw-num' }, 'Jaccard'))),
          h(
            'tbody',
            null,
            ...ag.pairs.map((p) =>
              h('tr', { class: (p.dice ?? 1) < 0.8 ? 'cw-row-warn' : null }, h('td', null, who(p.a), ' · ', who(p.b)), h('td', { class: 'cw-num' }, num(p.dice)), h('td', { class: 'cw-num' }, num(p.jaccard))),
            ),
          ),
        ),
      );
    }
    return card;
  }

  private shortcuts(): ShortcutGroup[] {
    const items = [
      { keys: 'K', label: `${capitalise(this.proposal)} contour on/off` },
      { keys: 'D', label: 'Disagreement map on/off' },
      { keys: 'T', label: 'Ground truth contour on/off' },
      { keys: '1 … 9', label: 'Annotator contours on/off' },
      { keys: ', / .', label: 'Previous / next section panel' },
      { keys: 'W', label: 'Reset display window' },
      ...(this.cfg.fluorescence ? [{ keys: 'R', label: 'Reference fluorescence panel' }] : []),
      { keys: 'Ctrl+Enter', label: 'Confirm' },
      { keys: '?', label: 'Show / hide this list' },
    ];
    return [{ title: 'Review', items }, ...this.editor.shortcuts()];
  }

  private imageUrl(url: string): string {
    const w = this.windowCtl;
    return w && w.isCustom ? withWindow(url, w.lo, w.hi) : url;
  }

  private applyWindow(): void {
    this.editor.setImageUrl(this.imageUrl(this.cfg.section.imageUrl));
    if (this.shownNeighbour) this.showNeighbour(this.shownNeighbour);
  }

  private toggleNeighbour(side: 'prev' | 'next'): void {
    if (!this.neighbourPanel || !this.cfg.neighbours?.[side]) return;
    if (this.shownNeighbour === side) {
      this.shownNeighbour = null;
      this.neighbourPanel.hidden = true;
      return;
    }
    this.shownNeighbour = side;
    this.showNeighbour(side);
    this.neighbourPanel.hidden = false;
  }

  private showNeighbour(side: 'prev' | 'next'): void {
    const nb = this.cfg.neighbours?.[side];
    if (!nb || !this.neighbourPanel) return;
    const img = this.neighbourPanel.querySelector('img')!;
    img.src = this.imageUrl(nb.imageUrl);
    img.alt = side === 'prev' ? 'Previous z-section' : 'Next z-section';
    this.neighbourPanel.querySelector('figcaption')!.textContent = side === 'prev' ? 'Previous section' : 'Next section';
  }

  private toggleFluorescence(): void {
    const panel = this.fluorPanel;
    const url = this.cfg.fluorescence?.imageUrl;
    if (!panel || !url) return;
    const img = panel.querySelector('img')!;
    if (!img.getAttribute('src')) img.src = url;
    panel.hidden = !panel.hidden;
    panel.parentElement?.querySelector('button')?.setAttribute('aria-pressed', String(!panel.hidden));
  }

  private toggleEdit(): void {
    if (this.done) return;
    this.editing = !this.editing;
    if (this.editing) {
      if (!this.edited) {
        const start = this.consensusMask ?? new Uint8Array(this.editor.width * this.editor.height);
        this.editor.setMask(start, { record: false, label: `Start from ${this.proposal}` });
      }
      this.editor.setMaskStyle('fill');
      this.editor.setReadOnly(false);
      this.editor.setTool('brush');
      this.editBtn.querySelector('.cw-btn-label')!.textContent = 'Stop editing';
      this.editor.showToast(`Editing the ${this.proposal} — your edits are confirmed with Confirm`);
    } else {
      this.editor.setReadOnly(true);
      this.editor.setMaskStyle('outline');
      this.editBtn.querySelector('.cw-btn-label')!.textContent = this.edited ? 'Continue editing' : `Edit ${this.proposal}`;
    }
    this.root.classList.toggle('is-editing', this.editing);
    this.applyOverlays();
  }

  private async confirm(): Promise<void> {
    const url = this.cfg.actions?.confirm;
    if (!url || this.done) return;
    // Edits that were all undone again are not an edit.
    const useEdited = this.edited && !(this.consensusMask && sameMask(this.editor.getMask(), this.consensusMask));
    if (!useEdited && !this.cfg.consensus) {
      this.showResult('warning', `There is no ${this.proposal} to confirm. Use “Edit ${this.proposal}” to draw the ground truth first.`);
      return;
    }
    const body = {
      consensus_id: this.cfg.consensus?.id ?? null,
      mask_png: useEdited ? this.editor.toPngBase64Sync() : this.cfg.consensus!.mask_png,
      edited: useEdited,
      base_version: this.cfg.groundTruth?.version ?? null,
    };
    await this.runAction(
      this.confirmBtn,
      () => postJson<{ version?: number }>(url, body),
      (res) => `Confirmed — ground truth version ${res?.version ?? '?'}${useEdited ? ' (edited)' : ''}.`,
    );
  }

  private async runAction<T>(btn: HTMLButtonElement, call: () => Promise<T>, ok: (res: T) => string): Promise<void> {
    btn.disabled = true;
    const label = btn.querySelector('.cw-btn-label');
    const original = label?.textContent ?? '';
    if (label) label.textContent = 'Working…';
    try {
      const res = await call();
      this.finish('success', ok(res));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        this.showConflict(err);
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
    const mask = this.decodeMask(cur?.mask_png ?? null);
    if (mask) {
      this.layers = this.layers.filter((l) => l.name !== 'winner');
      this.layers.push({ name: 'winner', label: `Confirmed by ${cur?.reviewer ?? 'another reviewer'}`, colour: '#00ff7f', swatch: '#00ff7f', mask, visible: true, lineWidth: 2.5 });
      this.applyOverlays();
    }
    const who = cur?.reviewer ? ` by ${cur.reviewer}` : '';
    const when = cur?.confirmed_at ? ` at ${dateTime(cur.confirmed_at)}` : '';
    this.finish('warning', `Another reviewer was first: ground truth version ${cur?.version ?? '?'} was confirmed${who}${when}. Their result is shown in green. ${err.detail}`);
  }

  private finish(kind: 'success' | 'warning', text: string): void {
    this.done = true;
    if (this.editing) this.toggleEdit();
    this.editBtn.disabled = true;
    for (const b of this.actionBar.querySelectorAll('button')) b.disabled = true;
    this.formHost.replaceChildren();
    this.showResult(kind, text, true);
    void this.loadAudit();
  }

  private showResult(kind: 'success' | 'warning' | 'danger', text: string, withNext = false): void {
    const next =
      withNext && this.cfg.nextUrl
        ? h(
            'a',
            { class: 'cw-btn cw-btn-primary', href: this.cfg.nextUrl, 'data-action': 'next' },
            h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icons.next }),
            h('span', { class: 'cw-btn-label' }, 'Next section'),
            h('kbd', { class: 'cw-kbd' }, 'N'),
          )
        : null;
    setChildren(this.resultEl, h('div', { class: `cw-callout cw-callout-${kind}`, 'data-result': kind }, h('p', null, text), next ? h('div', { class: 'cw-btn-row' }, next) : null));
    (next as HTMLElement | null)?.focus({ preventScroll: true });
    this.root.dataset.outcome = kind;
  }

  private showSendBack(): void {
    const url = this.cfg.actions?.sendBack;
    if (!url || this.done) return;
    const names = this.cfg.annotators ?? (this.cfg.annotations ?? []).map((a) => a.annotator);
    const comment = h('textarea', { rows: 3, required: true, placeholder: 'What should be corrected? (shown to the annotators)' });
    const boxes = names.map((n) => {
      const c = h('input', { type: 'checkbox', value: n });
      return { n, c, el: h('label', { class: 'cw-check' }, c, n) };
    });
    const err = h('p', { class: 'cw-form-error', hidden: true });
    const submit = button('Send back', { variant: 'primary', small: true, icon: icons.send });
    submit.type = 'submit';
    const form = h(
      'form',
      { class: 'cw-form', novalidate: true },
      h('label', { class: 'cw-field' }, h('span', null, 'Comment'), comment),
      h('fieldset', { class: 'cw-field' }, h('legend', null, 'Annotators who should revise'), ...boxes.map((b) => b.el)),
      err,
      h('div', { class: 'cw-btn-row' }, submit, button('Cancel', { small: true, variant: 'ghost', onClick: () => this.formHost.replaceChildren() })),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const chosen = boxes.filter((b) => b.c.checked).map((b) => b.n);
      const text = comment.value.trim();
      if (!text || !chosen.length) {
        err.textContent = !text ? 'Please write a comment.' : 'Choose at least one annotator.';
        err.hidden = false;
        return;
      }
      void this.runAction(submit, () => postJson(url, { comment: text, annotators: chosen }), () => `Sent back to ${chosen.join(', ')}.`);
    });
    setChildren(this.formHost, form);
    comment.focus();
  }

  private showExclude(): void {
    const url = this.cfg.actions?.exclude;
    if (!url || this.done) return;
    const reason = h('textarea', { rows: 2, required: true, placeholder: 'e.g. out of focus, no nucleus, artefact' });
    const err = h('p', { class: 'cw-form-error', hidden: true });
    const submit = button('Exclude section', { variant: 'danger', small: true, icon: icons.ban });
    submit.type = 'submit';
    const form = h(
      'form',
      { class: 'cw-form', novalidate: true },
      h('label', { class: 'cw-field' }, h('span', null, 'Reason'), reason),
      err,
      h('div', { class: 'cw-btn-row' }, submit, button('Cancel', { small: true, variant: 'ghost', onClick: () => this.formHost.replaceChildren() })),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = reason.value.trim();
      if (!text) {
        err.textContent = 'Please give a reason.';
        err.hidden = false;
        return;
      }
      void this.runAction(submit, () => postJson(url, { reason: text }), () => 'Section excluded from the data set.');
    });
    setChildren(this.formHost, form);
    reason.focus();
  }

  private async loadAudit(): Promise<void> {
    const url = this.cfg.auditUrl;
    if (!url) return;
    try {
      const entries = await getJson<AuditEntry[] | { results?: AuditEntry[] }>(url);
      const list = Array.isArray(entries) ? entries : (entries?.results ?? []);
      if (!list.length) {
        setChildren(this.auditList, h('li', { class: 'cw-muted' }, 'No events yet.'));
        return;
      }
      setChildren(
        this.auditList,
        ...list.map((e) =>
          h(
            'li',
            { 'data-action': e.action ?? null },
            h('div', { class: 'cw-audit-head' }, h('strong', null, e.actor ?? '—'), ' ', h('span', { class: 'cw-audit-action' }, (e.action ?? '').replace(/_/g, ' ')), h('time', { datetime: e.at ?? '' }, dateTime(e.at))),
            e.detail !== undefined && e.detail !== null && e.detail !== '' ? h('div', { class: 'cw-audit-detail' }, formatDetail(e.detail)) : null,
          ),
        ),
      );
    } catch (err) {
      setChildren(this.auditList, h('li', { class: 'cw-muted' }, `Could not load the audit trail (${err instanceof ApiError ? err.detail : String(err)}).`));
    }
  }

  private bindKeys(): void {
    document.addEventListener('keydown', (ev) => {
      if (ev.defaultPrevented || isTypingTarget(ev.target)) return;
      if (isMod(ev) && ev.key === 'Enter') {
        ev.preventDefault();
        void this.confirm();
        return;
      }
      if (isMod(ev) || ev.altKey) return;
      const k = ev.key;
      const act = (fn: () => void) => {
        ev.preventDefault();
        fn();
      };
      if (k === 'k' || k === 'K') return act(() => this.toggleLayer('consensus'));
      if (k === 'd' || k === 'D') return act(() => this.toggleLayer('disagreement'));
      if (k === 't' || k === 'T') return act(() => this.toggleLayer('gt'));
      if (k === ',') return act(() => this.toggleNeighbour('prev'));
      if (k === '.') return act(() => this.toggleNeighbour('next'));
      if ((k === 'w' || k === 'W') && this.windowCtl) return act(() => this.windowCtl!.reset());
      if ((k === 'r' || k === 'R') && this.fluorPanel) return act(() => this.toggleFluorescence());
      if ((k === 'n' || k === 'N') && this.done && this.cfg.nextUrl) {
        return act(() => {
          window.location.href = this.cfg.nextUrl!;
        });
      }
      if (/^[1-9]$/.test(k)) {
        const l = this.layers.filter((x) => x.name.startsWith('ann:'))[Number(k) - 1];
        if (l) act(() => this.toggleLayer(l.name));
      }
    });
  }
}

function sameMask(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** First element matching `selector` that is not part of the app itself. */
function outside(root: HTMLElement, selector: string): HTMLElement | null {
  return Array.from(document.querySelectorAll<HTMLElement>(selector)).find((el) => !root.contains(el)) ?? null;
}

function formatDetail(d: unknown): string {
  if (typeof d === 'string') return d;
  try {
    return JSON.stringify(d);
  } catch {
    return String(d);
  }
}

function resizeValues(src: Uint16Array, sw: number, sh: number, dw: number, dh: number): Uint16Array {
  const out = new Uint16Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / dh));
    for (let x = 0; x < dw; x++) out[y * dw + x] = src[sy * sw + Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / dw))]!;
  }
  return out;
}

export function mountReview(root: HTMLElement, config: ReviewConfig): ReviewPage {
  return new ReviewPage(root, config);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
