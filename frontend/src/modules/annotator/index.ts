/**
 * Annotator page: one section, the user's own mask, autosave, submit.
 * See frontend/README.md for the config and the REST calls.
 */

import { isWindowConfig, WindowControl, type WindowConfig } from '../../components/WindowControl';
import { helpButton, ShortcutPanel } from '../../components/ShortcutPanel';
import { MaskEditor } from '../../editor/MaskEditor';
import { pngBase64ToMask, resizeMask } from '../../editor/png';
import { ApiError, getJson, request, withWindow } from '../../lib/api';
import { button, h, setChildren } from '../../lib/dom';
import { clockTime, dateTime, parseDate, shortTime } from '../../lib/format';
import { icons } from '../../lib/icons';
import { isMod, isTypingTarget, type ShortcutGroup } from '../../lib/keys';
import { fitToViewport } from '../../lib/layout';
import { ActiveTime } from './activeTime';
import { AnnotationSync, type SyncState } from './sync';
import type { AnnotationDto } from './types';

export interface SectionConfig {
  id: number | string;
  width: number;
  height: number;
  z?: number;
  nZ?: number;
  modality?: string;
  imageUrl: string;
  label?: string;
}

export interface NeighbourConfig {
  id?: number | string;
  imageUrl: string;
  ownMaskUrl?: string;
}

export interface AnnotatorConfig {
  module: 'annotator';
  csrfToken?: string;
  section: SectionConfig;
  window?: WindowConfig | null;
  neighbours?: { prev?: NeighbourConfig | null; next?: NeighbourConfig | null } | null;
  fluorescence?: { imageUrl: string } | null;
  annotationUrl: string;
  nextUrl?: string | null;
  progressUrl?: string | null;
  readOnly?: boolean;
  colour?: string;
}

interface ProgressDto {
  sections_total?: number;
  sections_complete?: number;
  required_per_section?: number;
  mine_submitted?: number;
  mine_drafts?: number;
}

type Side = 'prev' | 'next';

const GHOST_COLOUR = '#ffb020';

export class AnnotatorPage {
  readonly editor: MaskEditor;
  readonly sync: AnnotationSync;
  readonly activeTime = new ActiveTime();
  private readonly cfg: AnnotatorConfig;
  private suppressChange = 0;
  private statusEl!: HTMLElement;
  private statusText!: HTMLElement;
  private statusAction!: HTMLElement;
  private conflictPanel!: HTMLElement;
  private submittedPanel!: HTMLElement;
  private submitBtn!: HTMLButtonElement;
  private saveBtn!: HTMLButtonElement;
  private neighbourImg: HTMLImageElement | null = null;
  private neighbourCaption: HTMLElement | null = null;
  private neighbourPanel: HTMLElement | null = null;
  private fluorPanel: HTMLElement | null = null;
  private ghostBtn: HTMLButtonElement | null = null;
  private neighbourBtns = new Map<Side, HTMLButtonElement>();
  private shownNeighbour: Side | null = null;
  private ghostOn = false;
  private ghostSide: Side | null = null;
  private neighbourMasks = new Map<Side, Promise<Uint8Array | null>>();
  private windowCtl: WindowControl | null = null;
  private progressEls: ProgressEls | null = null;
  private emptyConfirmUntil = 0;
  private loaded = false;
  private readonly panel: ShortcutPanel;

  constructor(
    private readonly root: HTMLElement,
    config: AnnotatorConfig,
  ) {
    this.cfg = config;
    const s = config.section;
    const main = h('div', { class: 'cw-main' });
    const sidebar = h('aside', { class: 'cw-sidebar' });
    this.panel = new ShortcutPanel(() => this.shortcuts());
    const header = this.buildHeader();
    root.classList.add('cw-app', 'cw-annotator');
    setChildren(root, header, h('div', { class: 'cw-workspace' }, main, sidebar));
    fitToViewport(root);

    const win = isWindowConfig(config.window) ? config.window : null;
    if (win) {
      this.windowCtl = new WindowControl(win, () => this.applyWindow(), { storageKey: `cellweb.window.${s.modality ?? 'default'}` });
    }
    this.editor = new MaskEditor(main, {
      width: s.width,
      height: s.height,
      imageUrl: this.imageUrl(s.imageUrl),
      readOnly: true,
      colour: config.colour ?? '#00e5ff',
      ariaLabel: `Section ${s.label ?? s.id}`,
    });
    this.sync = new AnnotationSync(
      {
        url: config.annotationUrl,
        sectionId: s.id,
        transport: (method, url, opts) => request(method, url, opts),
        getMaskPng: () => this.editor.toPngBase64Sync(),
        activeTime: this.activeTime,
        storage: safeStorage(),
        readOnly: config.readOnly ?? false,
      },
      (st) => this.renderStatus(st),
    );
    this.sync.onSaved = (dto, action) => this.onSaved(dto, action);

    this.buildSidebar(sidebar);
    this.editor.addEventListener('change', () => {
      if (this.suppressChange === 0) this.sync.markDirty();
    });
    this.bindKeys();
    this.bindLifecycle();
    void this.load();
    void this.refreshProgress();
    if (config.progressUrl) window.setInterval(() => void this.refreshProgress(), 60_000);
  }

  // ------------------------------------------------------------------ layout

  private buildHeader(): HTMLElement {
    const s = this.cfg.section;
    const title = s.label ?? `Section ${s.id}${s.z !== undefined ? ` · z${s.z}${s.nZ ? `/${s.nZ}` : ''}` : ''}`;
    const children: HTMLElement[] = [h('div', { class: 'cw-appbar-title' }, h('h1', null, title))];
    const adopted = this.cfg.progressUrl ? adoptProgress(this.root) : null;
    if (adopted) {
      // The template already shows the progress bars; keep them live instead of drawing a second pair.
      this.progressEls = adopted;
    } else if (this.cfg.progressUrl) {
      const bar = (cls: string) => h('div', { class: `cw-progress-bar ${cls}` });
      const project = bar('');
      const mine = bar('');
      const mineDraft = bar('cw-progress-bar-secondary');
      const projectText = h('span', { class: 'cw-progress-caption' }, 'Project …');
      const mineText = h('span', { class: 'cw-progress-caption' }, 'Mine …');
      this.progressEls = { project, mine, projectText, mineText, mineDraft };
      children.push(
        h(
          'div',
          { class: 'cw-appbar-progress' },
          h('div', { class: 'cw-progress-block' }, projectText, h('div', { class: 'cw-progress', 'data-kind': 'project' }, project)),
          h('div', { class: 'cw-progress-block' }, mineText, h('div', { class: 'cw-progress', 'data-kind': 'mine' }, mine, mineDraft)),
        ),
      );
    }
    children.push(h('div', { class: 'cw-appbar-actions' }, helpButton(this.panel)));
    return h('header', { class: 'cw-appbar' }, ...children);
  }

  private buildSidebar(sidebar: HTMLElement): void {
    this.statusText = h('span', { class: 'cw-status-text' }, 'Loading annotation…');
    this.statusAction = h('span', { class: 'cw-status-action' });
    this.statusEl = h('div', { class: 'cw-status', 'data-phase': 'loading', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'cw-status-dot', 'aria-hidden': 'true' }), this.statusText, this.statusAction);
    this.saveBtn = button('Save', { icon: icons.save, title: 'Save draft now (Ctrl+S) — drafts also save automatically', onClick: () => void this.sync.save() });
    this.submitBtn = button('Submit', { icon: icons.check, kbd: 'Ctrl+↵', variant: 'primary', onClick: () => void this.submit() });
    this.conflictPanel = h('div', { class: 'cw-callout cw-callout-danger', hidden: true, 'data-panel': 'conflict' });
    this.submittedPanel = h('div', { class: 'cw-callout cw-callout-success', hidden: true, 'data-panel': 'submitted' });
    sidebar.appendChild(
      h(
        'section',
        { class: 'cw-card cw-save-card' },
        this.statusEl,
        this.conflictPanel,
        this.submittedPanel,
        h('div', { class: 'cw-actions' }, this.saveBtn, this.submitBtn),
      ),
    );
    if (this.windowCtl) {
      sidebar.appendChild(h('section', { class: 'cw-card' }, h('h2', { class: 'cw-card-title' }, 'Display'), this.windowCtl.el));
    }
    const nb = this.cfg.neighbours ?? {};
    if (nb.prev || nb.next) sidebar.appendChild(this.buildNeighbourCard());
    if (this.cfg.fluorescence?.imageUrl) {
      const img = h('img', { class: 'cw-side-image', alt: 'Reference fluorescence image of this section', loading: 'lazy' });
      const toggle = button('Fluorescence', { icon: icons.fluor, kbd: 'R', small: true, onClick: () => this.toggleFluorescence() });
      toggle.setAttribute('aria-pressed', 'false');
      this.fluorPanel = h('figure', { class: 'cw-side-figure', hidden: true }, img, h('figcaption', null, 'Reference fluorescence (same section)'));
      sidebar.appendChild(
        h('section', { class: 'cw-card' }, h('div', { class: 'cw-card-head' }, h('h2', { class: 'cw-card-title' }, 'Reference'), toggle), this.fluorPanel),
      );
    }
  }

  private buildNeighbourCard(): HTMLElement {
    const nb = this.cfg.neighbours ?? {};
    const z = this.cfg.section.z;
    const mk = (side: Side, label: string, kbd: string, icon: string) => {
      const b = button(label, { icon, kbd, small: true, onClick: () => this.toggleNeighbour(side) });
      b.title = `Show / hide the ${side === 'prev' ? 'previous' : 'next'} z-section beside the editor (${kbd})`;
      b.setAttribute('aria-pressed', 'false');
      if (!nb[side]) b.disabled = true;
      this.neighbourBtns.set(side, b);
      return b;
    };
    this.ghostBtn = button('Ghost outline', { icon: icons.ghost, kbd: 'G', small: true, onClick: () => this.toggleGhost() });
    this.ghostBtn.setAttribute('aria-pressed', 'false');
    this.ghostBtn.title = 'Dashed outline of your own mask on the adjacent section (G)';
    const copyBtn = button('Copy mask from previous', { icon: icons.copy, kbd: 'C', small: true, onClick: () => void this.copyFrom('prev') });
    copyBtn.title = 'Replace this mask with your mask of the previous section (C; Shift+C: next section). Undo restores.';
    if (!nb.prev?.ownMaskUrl) copyBtn.disabled = true;
    this.neighbourImg = h('img', { class: 'cw-side-image', alt: '' });
    this.neighbourCaption = h('figcaption');
    this.neighbourPanel = h('figure', { class: 'cw-side-figure', hidden: true }, this.neighbourImg, this.neighbourCaption);
    const zLabel = (d: number) => (z !== undefined ? ` (z${z + d})` : '');
    return h(
      'section',
      { class: 'cw-card' },
      h('h2', { class: 'cw-card-title' }, 'Neighbouring sections'),
      h(
        'div',
        { class: 'cw-btn-stack' },
        mk('prev', `Previous section${zLabel(-1)}`, ',', icons.up),
        mk('next', `Next section${zLabel(1)}`, '.', icons.down),
        this.ghostBtn,
        copyBtn,
      ),
      this.neighbourPanel,
    );
  }

  private shortcuts(): ShortcutGroup[] {
    const page: ShortcutGroup = {
      title: 'Annotation',
      items: [
        { keys: 'Ctrl+Enter', label: 'Submit this section' },
        { keys: 'Ctrl+S', label: 'Save draft now (drafts also save automatically)' },
        { keys: ',', label: 'Show / hide the previous section' },
        { keys: '.', label: 'Show / hide the next section' },
        { keys: 'G', label: 'Ghost: your outline on the adjacent section' },
        { keys: 'C', label: 'Copy your mask from the previous section (Shift+C: next)' },
        { keys: 'W', label: 'Reset display window' },
        { keys: 'N', label: 'Next section (after submitting)' },
        { keys: '?', label: 'Show / hide this list' },
      ],
    };
    if (this.cfg.fluorescence) page.items.splice(6, 0, { keys: 'R', label: 'Reference fluorescence panel' });
    return [page, ...this.editor.shortcuts()];
  }

  // ------------------------------------------------------------------ loading

  private async load(attempt = 0): Promise<void> {
    try {
      const { dto, restored } = await this.sync.load();
      this.suppressChange++;
      try {
        const b64 = restored?.maskPng ?? dto.mask_png;
        if (b64) this.editor.fromPngBase64(b64, { record: false });
      } finally {
        this.suppressChange--;
      }
      this.loaded = true;
      this.editor.setReadOnly(!this.sync.editable);
      if (restored) {
        this.editor.showToast(`Restored unsaved edits kept in this browser (${clockTime(new Date(restored.savedAt))})`, 6000);
      }
      if (dto.status === 'submitted') this.showSubmitted(dto);
      this.renderStatus(this.sync.state());
    } catch (err) {
      const detail = err instanceof ApiError ? err.detail : String(err);
      const retryable = !(err instanceof ApiError) || err.retryable;
      const delay = Math.min(30, 2 ** attempt);
      this.statusEl.dataset.phase = 'error';
      this.statusText.textContent = retryable
        ? `Could not load your annotation (${detail}) — retrying in ${delay} s`
        : `Could not load your annotation: ${detail}`;
      setChildren(this.statusAction, button('Retry now', { small: true, onClick: () => void this.load(attempt + 1) }));
      if (retryable) window.setTimeout(() => !this.loaded && void this.load(attempt + 1), delay * 1000);
    }
  }

  private imageUrl(url: string): string {
    const w = this.windowCtl;
    return w && w.isCustom ? withWindow(url, w.lo, w.hi) : url;
  }

  private applyWindow(): void {
    this.editor.setImageUrl(this.imageUrl(this.cfg.section.imageUrl));
    if (this.shownNeighbour) this.showNeighbourImage(this.shownNeighbour);
  }

  // ------------------------------------------------------------------ status

  private renderStatus(st: SyncState): void {
    if (!this.statusEl) return;
    this.statusEl.dataset.phase = st.phase;
    let text = '';
    let action: HTMLElement | null = null;
    const rev = st.revision !== null ? ` · revision ${st.revision}` : '';
    switch (st.phase) {
      case 'loading':
        text = 'Loading annotation…';
        break;
      case 'clean':
        if (st.lastSavedAt) text = `Saved ${clockTime(new Date(st.lastSavedAt))}${rev}`;
        else if (st.revision !== null) text = `Up to date${rev}${this.sync.updatedAt ? ` (saved ${dateTime(this.sync.updatedAt)})` : ''}`;
        else text = 'No annotation yet — start drawing; drafts save automatically';
        break;
      case 'dirty':
        text = 'Unsaved changes — saving in a moment';
        break;
      case 'saving':
        text = st.pendingSubmit ? 'Submitting…' : 'Saving…';
        break;
      case 'offline': {
        const s = st.retryAt ? Math.max(0, Math.ceil((st.retryAt - Date.now()) / 1000)) : 0;
        text = `Offline — retrying in ${s} s, your edits are kept in this page${st.pendingSubmit ? ' (submit pending)' : ''}`;
        action = button('Retry now', { small: true, onClick: () => this.sync.retryNow() });
        break;
      }
      case 'conflict':
        text = 'Conflict — a newer version exists on the server';
        break;
      case 'error':
        text = `Not saved: ${st.error ?? 'the server refused the request'}`;
        action = button('Try again', { small: true, onClick: () => void this.sync.save() });
        break;
      case 'locked':
        if (st.status === 'submitted') text = `Submitted${rev}`;
        else if (this.cfg.readOnly) text = `Read-only${rev}`;
        else text = `Read-only — you cannot edit this annotation${rev}`;
        break;
    }
    this.statusText.textContent = text;
    setChildren(this.statusAction, action);
    this.statusEl.title = st.error && st.phase !== 'error' ? st.error : '';
    this.renderConflict(st.conflict);
    const canSubmit = st.editable && !st.conflict && this.loaded;
    this.submitBtn.disabled = !canSubmit || (st.phase === 'saving' && st.pendingSubmit);
    this.saveBtn.disabled = !st.editable || !st.dirty || st.phase === 'saving' || !!st.conflict;
    this.root.dataset.phase = st.phase;
    this.root.dataset.revision = st.revision === null ? '' : String(st.revision);
  }

  private renderConflict(current: AnnotationDto | null): void {
    if (!current) {
      this.conflictPanel.hidden = true;
      return;
    }
    const when = parseDate(current.updated_at);
    const rev = current.revision !== null && current.revision !== undefined ? `revision ${current.revision}` : 'a newer revision';
    const loadBtn = button('Load newer', { variant: 'primary', small: true, onClick: () => void this.loadNewer() });
    loadBtn.title = 'Replace your mask with the server version (your version stays in undo history)';
    const keepBtn = button('Keep mine', { small: true, onClick: () => this.sync.keepMine() });
    keepBtn.title = 'Save your mask as the newest revision';
    setChildren(
      this.conflictPanel,
      h('p', null, h('strong', null, 'Conflict. '), `A newer version (${rev}${when ? `, saved ${shortTime(when)}` : ''}) exists — probably from another tab or device.`),
      h('p', { class: 'cw-muted' }, 'Your edits are kept here until you choose.'),
      h('div', { class: 'cw-btn-row' }, loadBtn, keepBtn),
    );
    this.conflictPanel.hidden = false;
  }

  private async loadNewer(): Promise<void> {
    try {
      const dto = await this.sync.fetchNewer();
      this.suppressChange++;
      try {
        if (dto.mask_png) this.editor.fromPngBase64(dto.mask_png, { record: true, label: 'Load newer version' });
        else this.editor.setMask(new Uint8Array(this.editor.width * this.editor.height), { record: true, label: 'Load newer version' });
      } finally {
        this.suppressChange--;
      }
      this.sync.acceptServer(dto);
      this.editor.setReadOnly(!this.sync.editable);
      if (dto.status === 'submitted') this.showSubmitted(dto);
      this.editor.showToast('Loaded the newer version — Ctrl+Z brings back yours', 5000);
    } catch (err) {
      this.editor.showToast(`Could not load the newer version: ${err instanceof ApiError ? err.detail : String(err)}`, 5000);
    }
  }

  // ------------------------------------------------------------------ submit

  private async submit(): Promise<void> {
    if (!this.sync.editable || this.sync.conflict) {
      if (this.sync.conflict) this.editor.showToast('Resolve the conflict first (Load newer or Keep mine)', 4000);
      return;
    }
    if (!this.editor.hasForeground() && Date.now() > this.emptyConfirmUntil) {
      this.emptyConfirmUntil = Date.now() + 5000;
      this.editor.showToast('The mask is empty. Press Submit again to confirm “no nucleus in this section”.', 5000);
      return;
    }
    this.emptyConfirmUntil = 0;
    await this.sync.submit();
  }

  private onSaved(dto: AnnotationDto, action: 'save' | 'submit'): void {
    if (action === 'submit' || dto.status === 'submitted') {
      this.editor.setReadOnly(!this.sync.editable);
      this.showSubmitted(dto);
      void this.refreshProgress();
    }
  }

  private showSubmitted(dto: AnnotationDto): void {
    const actions: HTMLElement[] = [];
    if (this.cfg.nextUrl) {
      const next = h(
        'a',
        { class: 'cw-btn cw-btn-primary', href: this.cfg.nextUrl, 'data-action': 'next' },
        h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icons.next }),
        h('span', { class: 'cw-btn-label' }, 'Next section'),
        h('kbd', { class: 'cw-kbd' }, 'N'),
      );
      actions.push(next);
    }
    if (dto.can_reopen ?? this.sync.canReopen) {
      actions.push(button('Reopen', { icon: icons.reopen, onClick: () => void this.reopen() }));
    }
    setChildren(
      this.submittedPanel,
      h('p', null, h('strong', null, 'Submitted'), dto.revision !== null ? ` · revision ${dto.revision}` : ''),
      h('div', { class: 'cw-btn-row' }, ...actions),
    );
    this.submittedPanel.hidden = false;
    this.submitBtn.hidden = true;
    this.saveBtn.hidden = true;
    (this.submittedPanel.querySelector('[data-action="next"]') as HTMLElement | null)?.focus({ preventScroll: true });
  }

  private async reopen(): Promise<void> {
    try {
      await this.sync.reopen();
      this.submittedPanel.hidden = true;
      this.submitBtn.hidden = false;
      this.saveBtn.hidden = false;
      this.editor.setReadOnly(!this.sync.editable);
      this.editor.showToast('Reopened — you can edit again');
      void this.refreshProgress();
    } catch (err) {
      this.editor.showToast(`Could not reopen: ${err instanceof ApiError ? err.detail : String(err)}`, 5000);
    }
  }

  // ------------------------------------------------------------------ neighbours

  private toggleNeighbour(side: Side): void {
    const nb = this.cfg.neighbours?.[side];
    if (!nb || !this.neighbourPanel) return;
    if (this.shownNeighbour === side) {
      this.shownNeighbour = null;
      this.neighbourPanel.hidden = true;
    } else {
      this.shownNeighbour = side;
      this.showNeighbourImage(side);
      this.neighbourPanel.hidden = false;
      if (this.ghostOn && this.ghostSide !== side) void this.setGhost(side);
    }
    for (const [s, b] of this.neighbourBtns) b.setAttribute('aria-pressed', String(s === this.shownNeighbour));
  }

  private showNeighbourImage(side: Side): void {
    const nb = this.cfg.neighbours?.[side];
    if (!nb || !this.neighbourImg || !this.neighbourCaption) return;
    this.neighbourImg.src = this.imageUrl(nb.imageUrl);
    this.neighbourImg.alt = `${side === 'prev' ? 'Previous' : 'Next'} z-section`;
    const z = this.cfg.section.z;
    const zs = z !== undefined ? ` (z${z + (side === 'prev' ? -1 : 1)})` : '';
    this.neighbourCaption.textContent = `${side === 'prev' ? 'Previous' : 'Next'} section${zs}`;
  }

  private neighbourMask(side: Side): Promise<Uint8Array | null> {
    const nb = this.cfg.neighbours?.[side];
    if (!nb?.ownMaskUrl) return Promise.resolve(null);
    let p = this.neighbourMasks.get(side);
    if (!p) {
      p = getJson<AnnotationDto>(nb.ownMaskUrl).then((dto) => {
        if (!dto?.mask_png) return null;
        const d = pngBase64ToMask(dto.mask_png);
        return resizeMask(d.mask, d.width, d.height, this.editor.width, this.editor.height);
      });
      // A failed request may succeed later; do not cache the failure.
      p.catch(() => this.neighbourMasks.delete(side));
      this.neighbourMasks.set(side, p);
    }
    return p;
  }

  private toggleGhost(): void {
    if (this.ghostOn) {
      this.ghostOn = false;
      this.ghostSide = null;
      this.editor.setOverlays([]);
      this.ghostBtn?.setAttribute('aria-pressed', 'false');
      return;
    }
    const nb = this.cfg.neighbours ?? {};
    const side: Side | null = this.shownNeighbour ?? (nb.prev?.ownMaskUrl ? 'prev' : nb.next?.ownMaskUrl ? 'next' : null);
    if (!side) {
      this.editor.showToast('No adjacent section to show a ghost from');
      return;
    }
    this.ghostOn = true;
    this.ghostBtn?.setAttribute('aria-pressed', 'true');
    void this.setGhost(side);
  }

  private async setGhost(side: Side): Promise<void> {
    this.ghostSide = side;
    const label = side === 'prev' ? 'previous' : 'next';
    try {
      const mask = await this.neighbourMask(side);
      if (!this.ghostOn || this.ghostSide !== side) return;
      if (!mask || !mask.includes(1)) {
        this.editor.setOverlays([]);
        this.editor.showToast(`You have no mask on the ${label} section yet`);
        return;
      }
      this.editor.setOverlays([{ name: 'ghost', colour: GHOST_COLOUR, mask, dashed: true, visible: true }]);
      this.editor.showToast(`Ghost: your outline on the ${label} section`);
    } catch (err) {
      this.editor.showToast(`Could not load the ${label} section's mask: ${err instanceof ApiError ? err.detail : String(err)}`, 5000);
    }
  }

  private async copyFrom(side: Side): Promise<void> {
    if (!this.sync.editable) return;
    const label = side === 'prev' ? 'previous' : 'next';
    if (!this.cfg.neighbours?.[side]?.ownMaskUrl) {
      this.editor.showToast(`There is no ${label} section`);
      return;
    }
    try {
      const mask = await this.neighbourMask(side);
      if (!mask) {
        this.editor.showToast(`You have no mask on the ${label} section yet`);
        return;
      }
      this.editor.setMask(mask, { record: true, label: `Copy from ${label} section` });
      this.editor.showToast(`Copied your mask from the ${label} section — Ctrl+Z undoes`, 4000);
    } catch (err) {
      this.editor.showToast(`Could not load the ${label} section's mask: ${err instanceof ApiError ? err.detail : String(err)}`, 5000);
    }
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

  // ------------------------------------------------------------------ progress

  private async refreshProgress(): Promise<void> {
    const url = this.cfg.progressUrl;
    const els = this.progressEls;
    if (!url || !els) return;
    try {
      const p = await getJson<ProgressDto>(url);
      const total = p.sections_total ?? 0;
      const done = p.sections_complete ?? 0;
      const mine = p.mine_submitted ?? 0;
      const drafts = p.mine_drafts ?? 0;
      const pct = (n: number) => (total > 0 ? Math.min(100, (100 * n) / total) : 0);
      els.project.style.width = `${pct(done)}%`;
      els.projectText.textContent = `Project: ${done} / ${total} sections complete`;
      els.projectText.title = p.required_per_section
        ? `A section is complete when ${p.required_per_section} annotators have submitted it`
        : '';
      els.mine.style.width = `${pct(mine)}%`;
      els.project.parentElement?.setAttribute('aria-valuenow', String(Math.round(pct(done))));
      els.mine.parentElement?.setAttribute('aria-valuenow', String(Math.round(pct(mine))));
      if (els.mineDraft) els.mineDraft.style.width = `${Math.min(100 - pct(mine), pct(drafts))}%`;
      els.mineText.textContent = `Mine: ${mine} submitted${drafts ? ` · ${drafts} draft${drafts === 1 ? '' : 's'}` : ''}`;
    } catch {
      // Progress is informational; keep the last numbers.
    }
  }

  // ------------------------------------------------------------------ keys & lifecycle

  private bindKeys(): void {
    document.addEventListener('keydown', (ev) => {
      if (ev.defaultPrevented || isTypingTarget(ev.target)) return;
      const mod = isMod(ev);
      if (mod && ev.key === 'Enter') {
        ev.preventDefault();
        void this.submit();
        return;
      }
      if (mod && (ev.key === 's' || ev.key === 'S')) {
        ev.preventDefault();
        void this.sync.save();
        return;
      }
      if (mod || ev.altKey) return;
      const k = ev.key;
      const act = (fn: () => void) => {
        ev.preventDefault();
        fn();
      };
      if (k === ',') return act(() => this.toggleNeighbour('prev'));
      if (k === '.') return act(() => this.toggleNeighbour('next'));
      if (k === 'g' || k === 'G') return act(() => this.toggleGhost());
      if (k === 'c') return act(() => void this.copyFrom('prev'));
      if (k === 'C') return act(() => void this.copyFrom('next'));
      if ((k === 'r' || k === 'R') && this.cfg.fluorescence) return act(() => this.toggleFluorescence());
      if ((k === 'w' || k === 'W') && this.windowCtl) return act(() => this.windowCtl!.reset());
      if ((k === 'n' || k === 'N') && this.cfg.nextUrl && !this.submittedPanel.hidden) {
        return act(() => {
          window.location.href = this.cfg.nextUrl!;
        });
      }
    });
  }

  private bindLifecycle(): void {
    const touch = () => this.activeTime.touch(Date.now());
    for (const t of ['pointerdown', 'pointermove', 'keydown', 'wheel'] as const) {
      document.addEventListener(t, touch, { passive: true, capture: true });
    }
    window.addEventListener('beforeunload', (ev) => {
      const st = this.sync.state();
      if (st.dirty || this.sync.busy || st.pendingSubmit) {
        this.sync.writeBackup();
        ev.preventDefault();
        ev.returnValue = '';
      }
    });
    window.addEventListener('pagehide', () => this.sync.writeBackup());
    window.addEventListener('online', () => this.sync.retryNow());
  }
}

interface ProgressEls {
  project: HTMLElement;
  mine: HTMLElement;
  projectText: HTMLElement;
  mineText: HTMLElement;
  mineDraft: HTMLElement | null;
}

/** Finds server-rendered `.cw-progress-block[data-kind=project|mine]` blocks outside the app. */
function adoptProgress(root: HTMLElement): ProgressEls | null {
  const find = (kind: string) => {
    const block = Array.from(document.querySelectorAll<HTMLElement>(`.cw-progress-block[data-kind="${kind}"]`)).find((b) => !root.contains(b));
    const bar = block?.querySelector<HTMLElement>('.cw-progress-bar');
    const text = block?.querySelector<HTMLElement>('.cw-progress-caption');
    return block && bar && text ? { block, bar, text } : null;
  };
  const project = find('project');
  const mine = find('mine');
  if (!project || !mine) return null;
  return { project: project.bar, projectText: project.text, mine: mine.bar, mineText: mine.text, mineDraft: mine.block.querySelector<HTMLElement>('.cw-progress-bar-secondary') };
}

function safeStorage(): Storage | null {
  try {
    const k = '__cw_probe__';
    localStorage.setItem(k, '1');
    localStorage.removeItem(k);
    return localStorage;
  } catch {
    return null;
  }
}

export function mountAnnotator(root: HTMLElement, config: AnnotatorConfig): AnnotatorPage {
  return new AnnotatorPage(root, config);
}
