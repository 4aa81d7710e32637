/**
 * Annotator page: one section, the user's own mask, autosave, submit.
 * See frontend/README.md for the config and the REST calls. The save card
 * (status.ts), the neighbouring sections (neighbours.ts), the progress bars
 * (progress.ts), the save state machine (sync.ts, saveLoop.ts), the live notice of a
 * reviewer's decision (reviewNotice.ts), the drawings such a decision refused (kept.ts,
 * keptNotice.ts, keptFlow.ts), the server copies that are no edits (serverMask.ts), Skip and
 * Next (queue.ts) and the page's lifecycle (lifecycle.ts) live beside this file.
 */

import { ChannelSelect, channelUrl } from '../../components/ChannelSelect';
import { ReferencePanel } from '../../components/ReferencePanel';
import { WindowControl } from '../../components/WindowControl';
import { workbench } from '../../components/Workbench';
import { MaskEditor } from '../../editor/MaskEditor';
import { ApiError, request } from '../../lib/api';
import { card, h } from '../../lib/dom';
import { clockTime } from '../../lib/format';
import { isMod, onShortcut, type ShortcutGroup } from '../../lib/keys';
import { ActiveTime } from './activeTime';
import { safeStorage } from './backup';
import { NeighbourTools } from './neighbours';
import { ProposalTools } from './proposal';
import { ProgressBars } from './progress';
import { KeptFlow } from './keptFlow';
import { bindLifecycle } from './lifecycle';
import { sentBackNews, showReviewNotice, watchReviewDecisions } from './reviewNotice';
import { QueueMoves } from './queue';
import { annotationShortcuts } from './shortcuts';
import { markSentBackAnswered } from './sentBack';
import { ServerMask } from './serverMask';
import { SaveCard } from './status';
import { AnnotationSync } from './sync';
import type { AnnotationDto, AnnotatorConfig, SaveOrigin } from './types';

export type { AnnotatorConfig, NeighbourConfig, SectionConfig } from './types';

export class AnnotatorPage {
  readonly editor: MaskEditor;
  readonly sync: AnnotationSync;
  readonly activeTime = new ActiveTime();
  private readonly saveCard: SaveCard;
  private readonly neighbours: NeighbourTools;
  private readonly reference: ReferencePanel | null = null;
  private readonly windowCtl: WindowControl | null;
  private readonly channels: ChannelSelect | null;
  private readonly progress: ProgressBars | null = null;
  private readonly proposal: ProposalTools | null = null;
  private readonly serverMask: ServerMask;
  private readonly keptFlow: KeptFlow;
  private readonly moves: QueueMoves;
  private origin: SaveOrigin | null = null;
  private emptyConfirmUntil = 0;
  private loaded = false;

  constructor(
    root: HTMLElement,
    private readonly cfg: AnnotatorConfig,
  ) {
    const s = cfg.section;
    if (cfg.progressUrl) this.progress = new ProgressBars(root, cfg.progressUrl);
    const title = s.label ?? `Section ${s.id}${s.z !== undefined ? ` · z${s.z}${s.nZ ? ` of z0–z${s.nZ - 1}` : ''}` : ''}`;
    const { main, sidebar } = workbench(root, { page: 'annotator', title, middle: this.progress?.el, shortcuts: () => this.shortcuts() });
    this.windowCtl = WindowControl.forModality(cfg.window, s.modality, () => this.applyWindow());
    this.channels = ChannelSelect.create(s.channels, () => this.applyWindow(), this.windowCtl);
    this.editor = new MaskEditor(main, {
      width: s.width,
      height: s.height,
      imageUrl: this.imageUrl(s.imageUrl),
      readOnly: true,
      colour: cfg.colour ?? '#00e5ff',
      ...(cfg.labels ? { labels: cfg.labels.classes, paintRule: cfg.labels.paintRule } : {}),
      ariaLabel: `Section ${s.label ?? s.id}`,
    });
    this.saveCard = new SaveCard(
      {
        save: () => void this.sync.save(),
        submit: () => void this.submit(),
        retryNow: () => this.sync.retryNow(),
        loadNewer: () => void this.loadNewer(),
        keepMine: () => void this.sync.keepMine(),
        reopen: () => void this.reopen(),
        skip: cfg.skipUrl
          ? () => {
              if (!this.outlineOpen('skipping')) void this.moves.skip();
            }
          : undefined,
        next: () => void this.moves.next(),
      },
      root,
    );
    this.sync = new AnnotationSync(
      {
        url: cfg.annotationUrl,
        sectionId: s.id,
        transport: (method, url, opts) => request(method, url, opts),
        getMaskPng: () => this.editor.toPngBase64Sync(),
        getOrigin: () => this.origin,
        labelSetVersion: cfg.labels?.version,
        activeTime: this.activeTime,
        storage: safeStorage(),
        tabStorage: safeStorage('session'),
        readOnly: cfg.readOnly ?? false,
      },
      () => this.renderStatus(),
    );
    this.sync.onSaved = (dto, action) => this.onSaved(dto, action);
    this.moves = new QueueMoves(cfg, this.sync, (text, ms) => this.editor.showToast(text, ms));
    // The save card (and the notices put before it) stays in sight above the other cards, which
    // scroll on their own below it: it never lies over them on a 720 or 768 px high screen.
    const side = h('div', { class: 'cw-side-scroll' });
    sidebar.append(h('div', { class: 'cw-side-pinned' }, this.saveCard.card), side);
    // The socket back (the server restarted): a save waiting for its retry goes at once.
    if (!cfg.readOnly) watchReviewDecisions(s.id, this.saveCard.card, () => this.sync.retryNow());
    if (this.windowCtl) side.appendChild(card('Display', null, this.windowCtl.el));
    if (this.channels) side.appendChild(this.channels.card);
    this.neighbours = new NeighbourTools(cfg, this.editor, (u) => this.imageUrl(u), () => this.sync.editable);
    if (cfg.neighbours?.prev || cfg.neighbours?.next) side.appendChild(this.neighbours.card);
    this.neighbours.onCopied = () => {
      this.origin = { origin: 'own_previous' };
    };
    if (cfg.proposal) {
      this.proposal = new ProposalTools(cfg.proposal, this.editor, () => this.sync.editable, (origin) => {
        this.origin = origin;
      });
      side.appendChild(this.proposal.card);
    }
    if (cfg.fluorescence?.imageUrl) {
      this.reference = new ReferencePanel(cfg.fluorescence.imageUrl);
      side.appendChild(this.reference.card);
    }
    this.serverMask = new ServerMask(this.editor, this.sync);
    this.keptFlow = new KeptFlow(this.sync, this.editor, this.serverMask, this.saveCard.card, () => this.renderStatus());
    onShortcut((ev) => this.keyAction(ev));
    bindLifecycle(this.sync, this.activeTime);
    void this.load();
    void this.progress?.refresh();
    if (this.progress) window.setInterval(() => void this.progress?.refresh(), 60_000);
  }

  private shortcuts(): ShortcutGroup[] {
    const panels = { reference: Boolean(this.cfg.fluorescence), proposal: Boolean(this.proposal), channels: Boolean(this.channels) };
    return [annotationShortcuts(panels), ...this.editor.shortcuts()];
  }

  private async load(attempt = 0): Promise<void> {
    try {
      const { dto, restored } = await this.sync.load();
      this.serverMask.show(() => {
        const b64 = restored?.maskPng ?? dto.mask_png;
        if (b64) this.editor.fromPngBase64(b64, { record: false });
      });
      this.loaded = true;
      this.editor.setReadOnly(!this.sync.editable);
      if (restored) {
        this.editor.showToast(`Restored unsaved edits kept in this browser (${clockTime(new Date(restored.savedAt))})`, 6000);
      }
      if (dto.status === 'submitted') this.showSubmitted(dto);
      this.renderStatus();
      // "Start from proposal": a section with nothing saved or kept opens with the model's mask.
      if (this.proposal?.mode === 'start' && !dto.revision && !restored) void this.proposal.load({ quiet: true });
    } catch (err) {
      const detail = err instanceof ApiError ? err.detail : String(err);
      const retryable = !(err instanceof ApiError) || err.retryable;
      const delay = Math.min(30, 2 ** attempt);
      const text = retryable ? `Could not load your annotation (${detail}) — retrying in ${delay} s` : `Could not load your annotation: ${detail}`;
      this.saveCard.showLoadError(text, () => void this.load(attempt + 1));
      if (retryable) window.setTimeout(() => !this.loaded && void this.load(attempt + 1), delay * 1000);
    }
  }

  private renderStatus(): void {
    this.saveCard.render(this.sync.state(), { updatedAt: this.sync.updatedAt, readOnly: this.cfg.readOnly ?? false, loaded: this.loaded });
    this.keptFlow.render();
  }

  private imageUrl(url: string): string {
    return channelUrl(url, this.channels ?? null, (u) => this.windowCtl?.url(u) ?? u);
  }

  private applyWindow(): void {
    this.editor.setImageUrl(this.imageUrl(this.cfg.section.imageUrl));
    this.neighbours.panel.refresh();
  }

  private async loadNewer(): Promise<void> {
    try {
      const dto = await this.sync.fetchNewer();
      this.serverMask.take(dto, 'Load newer version');
      this.editor.setReadOnly(!this.sync.editable);
      if (dto.status === 'submitted') this.showSubmitted(dto);
      const yours = dto.status === 'submitted' ? 'Reopen, then Ctrl+Z brings back yours' : 'Ctrl+Z brings back yours';
      this.editor.showToast(`Loaded the ${dto.status === 'submitted' ? 'submitted' : 'newer'} version — ${yours}`, 5000);
    } catch (err) {
      this.editor.showToast(`Could not load the newer version: ${err instanceof ApiError ? err.detail : String(err)}`, 5000);
    }
  }

  /** An outline begun and not closed is not in the mask: say so rather than submit or leave without it. */
  private outlineOpen(what: string): boolean {
    if (!this.editor.shapePending) return false;
    this.editor.showToast(`Close the outline before ${what} (Enter or double-click), or cancel it (Esc)`, 5000);
    return true;
  }

  private async submit(): Promise<void> {
    if (this.sync.editable && this.outlineOpen('submitting')) return;
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
    const news = sentBackNews(dto.sent_back);
    if (news) showReviewNotice(this.saveCard.card, news);
    if (action === 'submit' || dto.status === 'submitted') {
      this.editor.setReadOnly(!this.sync.editable);
      this.showSubmitted(dto);
      if (action === 'submit') markSentBackAnswered();
      void this.progress?.refresh();
    }
  }

  private showSubmitted(dto: AnnotationDto): void {
    this.saveCard.showSubmitted(dto, this.cfg.nextUrl, dto.can_reopen ?? this.sync.canReopen);
  }

  private async reopen(): Promise<void> {
    try {
      const { note } = await this.sync.reopen();
      this.saveCard.setSubmitted(false);
      this.editor.setReadOnly(!this.sync.editable);
      this.editor.showToast(note ?? 'Reopened — you can edit again', note ? 15000 : undefined);
      void this.progress?.refresh();
    } catch (err) {
      this.editor.showToast(`Could not reopen: ${err instanceof ApiError ? err.detail : String(err)}`, 5000);
    }
  }

  private keyAction(ev: KeyboardEvent): (() => void) | null {
    const mod = isMod(ev);
    if (mod && ev.key === 'Enter') return () => void this.submit();
    if (mod && (ev.key === 's' || ev.key === 'S')) return () => void this.sync.save();
    if (mod || ev.altKey) return null;
    const k = ev.key;
    const nb = this.neighbours;
    const shared = nb.panel.keyAction(k) ?? this.windowCtl?.keyAction(k);
    if (shared) return shared;
    if (k === 'g' || k === 'G') return () => void nb.toggleGhost();
    if (k === 'c') return () => void nb.copyAdjacent();
    if (k === 'C') return () => void nb.copyFrom('next');
    if ((k === 'm' || k === 'M') && this.proposal) return () => void this.proposal?.load();
    if ((k === 'r' || k === 'R') && this.reference) return () => this.reference?.toggle();
    if ((k === 'x' || k === 'X') && this.channels) return () => this.channels?.next();
    if ((k === 'n' || k === 'N') && this.cfg.nextUrl && this.saveCard.submittedShown) return () => void this.moves.next();
    return null;
  }
}

export function mountAnnotator(root: HTMLElement, config: AnnotatorConfig): AnnotatorPage {
  return new AnnotatorPage(root, config);
}
