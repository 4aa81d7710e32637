/**
 * Viewer: browse a specimen through z and time, with the RI display window and
 * the fluorescence reference off / side by side / overlaid (tinted green).
 * The panes (panes.ts), the position arithmetic (position.ts) and the layers
 * worked out per section (sectionLayer.ts: model contours, virtual stain) live
 * beside it.
 */

import { CHANNEL_SHORTCUT, ChannelSelect, channelUrl } from '../../components/ChannelSelect';
import { HELP_SHORTCUT } from '../../components/ShortcutPanel';
import { isWindowConfig, WINDOW_SHORTCUTS, WindowControl } from '../../components/WindowControl';
import { workbench } from '../../components/Workbench';
import type { MaskEditor } from '../../editor/MaskEditor';
import { button, card, h, setChildren } from '../../lib/dom';
import { icons } from '../../lib/icons';
import { isMod, onShortcut, type ShortcutGroup } from '../../lib/keys';
import { MODEL_CONTOURS, modelContours, type SectionNuclei } from './nuclei';
import { ViewerPanes } from './panes';
import { aheadUrls, fromHash, nearestZ, sortTimes, toHash, type TimePoint } from './position';
import { layerShortcut, SectionLayer } from './sectionLayer';
import type { FluorMode, ViewerConfig, ViewerSection } from './types';
import { VIRTUAL_STAIN, virtualStain } from './virtualStain';

export type { FluorMode, ViewerConfig, ViewerSection } from './types';

const MODES: FluorMode[] = ['off', 'side', 'overlay'];
const MODE_LABEL: Record<FluorMode, string> = { off: 'Off', side: 'Side by side', overlay: 'Overlay (green)' };

export class ViewerPage {
  tIndex = 0;
  zIndex = 0;
  mode: FluorMode = 'off';
  private readonly times: TimePoint[];
  private readonly panes: ViewerPanes;
  private readonly posText = h('span', { class: 'cw-appbar-meta' });
  private readonly zSlider = h('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'z-section' });
  private readonly tSlider: HTMLInputElement;
  private readonly zText = h('output', { class: 'cw-window-value' });
  private readonly tText = h('output', { class: 'cw-window-value' });
  private readonly annotateLink: HTMLAnchorElement;
  private readonly alphaInput = h('input', { type: 'range', min: 0.1, max: 1, step: 0.05, value: 0.6, 'aria-label': 'Overlay opacity' });
  private readonly modeInputs = new Map<FluorMode, HTMLInputElement>();
  private readonly windowCtl: WindowControl | null = null;
  private readonly channels: ChannelSelect | null = null;
  private readonly fluorWindowCtl: WindowControl | null = null;
  private preloaded = new Map<string, HTMLImageElement>();
  private readonly nuclei: SectionLayer<SectionNuclei> | null;
  private readonly stain: SectionLayer<string> | null;

  constructor(
    private readonly root: HTMLElement,
    private readonly cfg: ViewerConfig,
  ) {
    this.times = sortTimes(cfg.timePoints);
    this.panes = new ViewerPanes((cfg.modality ?? 'label-free').toUpperCase(), cfg);
    const current = () => this.section;
    this.nuclei = cfg.nucleiUrlTemplate ? new SectionLayer(root, cfg.nucleiUrlTemplate, modelContours(() => this.editor, root), current) : null;
    this.stain = cfg.virtualStainUrlTemplate ? new SectionLayer(root, cfg.virtualStainUrlTemplate, virtualStain(this.panes, root), current) : null;
    const sp = cfg.specimen ?? {};
    const title = [sp.name, sp.lab].filter(Boolean).join(' · ') || 'Specimen';
    const { sidebar } = workbench(root, { page: 'viewer', title, beside: this.posText, shortcuts: () => this.shortcuts(), main: this.panes.stage });
    this.tSlider = h('input', { type: 'range', min: 0, max: Math.max(0, this.times.length - 1), step: 1, value: 0, 'aria-label': 'Time point' });
    this.zSlider.addEventListener('input', () => this.go(this.tIndex, Number(this.zSlider.value)));
    this.tSlider.addEventListener('input', () => this.goTime(Number(this.tSlider.value)));
    this.alphaInput.addEventListener('input', () => this.editor?.setTintAlpha(Number(this.alphaInput.value)));
    this.annotateLink = h('a', { class: 'cw-btn cw-btn-sm', href: '#' }, h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icons.edit }), h('span', { class: 'cw-btn-label' }, 'Annotate this section'));
    if (!this.times.length) {
      setChildren(this.panes.mainHost, h('div', { class: 'cw-empty' }, 'This specimen has no sections yet.'));
      return;
    }
    sidebar.appendChild(this.navigationCard());
    this.windowCtl = WindowControl.forModality(cfg.window, cfg.modality, () => this.render());
    this.channels = ChannelSelect.create(cfg.channels, () => this.render(), this.windowCtl);
    if (this.channels) sidebar.appendChild(this.channels.card);
    const hasFluor = this.times.some((tp) => tp.sections.some((s) => s.fluorescenceUrl));
    if (hasFluor) sidebar.appendChild(this.fluorescenceCard());
    if (this.nuclei) sidebar.appendChild(this.nuclei.card);
    if (this.stain) sidebar.appendChild(this.stain.card);
    if (this.windowCtl) sidebar.appendChild(card('Display', null, this.windowCtl.el));
    if (hasFluor && isWindowConfig(cfg.fluorescenceWindow)) {
      this.fluorWindowCtl = new WindowControl(cfg.fluorescenceWindow, () => this.render(), { storageKey: null });
      sidebar.appendChild(card('Fluorescence display', { 'data-card': 'fluorescence-window' }, this.fluorWindowCtl.el));
    }
    [this.tIndex, this.zIndex] = fromHash(location.hash, this.times, [this.tIndex, this.zIndex]);
    onShortcut((ev) => this.keyAction(ev));
    window.addEventListener('hashchange', () => {
      const [t, z] = fromHash(location.hash, this.times, [this.tIndex, this.zIndex]);
      if (t !== this.tIndex || z !== this.zIndex) this.go(t, z);
    });
    this.go(this.tIndex, this.zIndex);
  }

  get editor(): MaskEditor | null {
    return this.panes.editor;
  }

  get fluorEditor(): MaskEditor | null {
    return this.panes.fluorEditor;
  }

  get section(): ViewerSection | null {
    return this.times[this.tIndex]?.sections[this.zIndex] ?? null;
  }

  stepZ(d: number): void {
    this.go(this.tIndex, this.zIndex + d);
  }

  /** Switches time point, keeping the closest z. */
  goTime(ti: number): void {
    const t = Math.max(0, Math.min(this.times.length - 1, ti));
    if (t === this.tIndex) return;
    this.go(t, nearestZ(this.times[t]!.sections, this.section?.z ?? 0));
  }

  go(ti: number, zi: number): void {
    if (!this.times.length) return;
    this.tIndex = Math.max(0, Math.min(this.times.length - 1, ti));
    const secs = this.times[this.tIndex]!.sections;
    this.zIndex = Math.max(0, Math.min(secs.length - 1, zi));
    this.render();
  }

  setMode(m: FluorMode): void {
    this.mode = m;
    const input = this.modeInputs.get(m);
    if (input) input.checked = true;
    this.root.dataset.fluorescence = m;
    this.render();
    if (m === 'side') this.panes.alignSideBySide();
  }

  private shortcuts(): ShortcutGroup[] {
    const items = [
      { keys: '↑ / PageUp', label: 'Next z-section (up)' },
      { keys: '↓ / PageDown', label: 'Previous z-section (down)' },
      { keys: 'Home / End', label: 'First / last z-section' },
      { keys: '← / →', label: 'Previous / next time point' },
      { keys: 'F', label: 'Fluorescence: off / side by side / overlay' },
      layerShortcut(MODEL_CONTOURS),
      layerShortcut(VIRTUAL_STAIN),
      ...WINDOW_SHORTCUTS,
      ...(this.channels ? [CHANNEL_SHORTCUT] : []),
      HELP_SHORTCUT,
    ];
    return [{ title: 'Viewer', items }, ...(this.editor?.shortcuts() ?? [])];
  }

  private navigationCard(): HTMLElement {
    const several = this.times.length > 1;
    return card(
      'Position',
      { 'data-card': 'navigation' },
      h('div', { class: 'cw-window-row' }, h('span', { class: 'cw-window-label' }, 'z'), this.zSlider, this.zText),
      h(
        'div',
        { class: 'cw-btn-row' },
        button('Down', { icon: icons.down, kbd: '↓', small: true, onClick: () => this.stepZ(-1) }),
        button('Up', { icon: icons.up, kbd: '↑', small: true, onClick: () => this.stepZ(1) }),
      ),
      several ? h('div', { class: 'cw-window-row' }, h('span', { class: 'cw-window-label' }, 't'), this.tSlider, this.tText) : null,
      several
        ? h(
            'div',
            { class: 'cw-btn-row' },
            button('Earlier', { icon: icons.prev, kbd: '←', small: true, onClick: () => this.goTime(this.tIndex - 1) }),
            button('Later', { icon: icons.next, kbd: '→', small: true, onClick: () => this.goTime(this.tIndex + 1) }),
          )
        : null,
      this.cfg.annotateUrlTemplate ? h('div', { class: 'cw-btn-row' }, this.annotateLink) : null,
    );
  }

  private fluorescenceCard(): HTMLElement {
    const radios = MODES.map((m) => {
      const input = h('input', { type: 'radio', name: 'cw-fluor-mode', value: m });
      input.checked = m === this.mode;
      input.addEventListener('change', () => input.checked && this.setMode(m));
      this.modeInputs.set(m, input);
      return h('label', { class: 'cw-check' }, input, MODE_LABEL[m]);
    });
    return card(
      h('div', { class: 'cw-card-head' }, h('h2', { class: 'cw-card-title' }, 'Fluorescence'), h('kbd', { class: 'cw-kbd' }, 'F')),
      { 'data-card': 'fluorescence' },
      h('div', { class: 'cw-radio-row', role: 'radiogroup', 'aria-label': 'Fluorescence display' }, ...radios),
      h('div', { class: 'cw-window-row cw-overlay-alpha' }, h('span', { class: 'cw-window-label' }, 'Opacity'), this.alphaInput),
    );
  }

  private url(s: ViewerSection): string {
    return channelUrl(s.imageUrl, this.channels, (u) => this.windowCtl?.url(u) ?? u);
  }

  private fluorUrl(s: ViewerSection): string | null {
    const u = s.fluorescenceUrl;
    return u ? (this.fluorWindowCtl?.url(u) ?? u) : null;
  }

  private render(): void {
    const tp = this.times[this.tIndex];
    const s = this.section;
    if (!tp || !s) return;
    const n = tp.sections.length;
    this.zSlider.max = String(n - 1);
    this.zSlider.value = String(this.zIndex);
    this.tSlider.value = String(this.tIndex);
    this.zText.textContent = `${s.z}`;
    this.tText.textContent = `${tp.t}`;
    this.posText.textContent = `t ${tp.t}${this.times.length > 1 ? ` (${this.tIndex + 1}/${this.times.length})` : ''} · z${s.z} of z0–z${n - 1}`;
    this.root.dataset.t = String(tp.t);
    this.root.dataset.z = String(s.z);
    this.root.dataset.sectionId = String(s.id);
    if (this.channels) this.root.dataset.channel = this.channels.name;
    if (this.cfg.annotateUrlTemplate) this.annotateLink.href = this.cfg.annotateUrlTemplate.replace('{id}', encodeURIComponent(String(s.id)));
    if (location.hash !== toHash(tp, s)) history.replaceState(null, '', toHash(tp, s));
    const images = { image: this.url(s), fluorescence: this.fluorUrl(s), mode: this.mode, alpha: Number(this.alphaInput.value), channel: this.channels?.name ?? null };
    void this.panes.show(s, images).then(() => {
      this.root.querySelector('.cw-overlay-alpha')?.toggleAttribute('hidden', this.mode !== 'overlay');
      if (this.nuclei?.on) void this.nuclei.draw();
      if (this.stain?.on) void this.stain.draw();
    });
    this.preload();
  }

  private preload(): void {
    const fluor = this.mode !== 'off' ? (s: ViewerSection) => this.fluorUrl(s) : null;
    const keep = new Map<string, HTMLImageElement>();
    for (const u of aheadUrls(this.times, this.tIndex, this.zIndex, (s) => this.url(s), fluor)) {
      let img = this.preloaded.get(u);
      if (!img) {
        img = new Image();
        img.decoding = 'async';
        img.src = u;
      }
      keep.set(u, img);
    }
    this.preloaded = keep;
  }

  private keyAction(ev: KeyboardEvent): (() => void) | null {
    if (isMod(ev) || ev.altKey) return null;
    // A focused slider moves itself with the arrow keys.
    const onSlider = ev.target instanceof HTMLInputElement && ev.target.type === 'range';
    const nav: Record<string, () => void> = {
      ArrowUp: () => this.stepZ(1),
      PageUp: () => this.stepZ(1),
      ArrowDown: () => this.stepZ(-1),
      PageDown: () => this.stepZ(-1),
      Home: () => this.go(this.tIndex, 0),
      End: () => this.go(this.tIndex, Number.MAX_SAFE_INTEGER),
      ArrowLeft: () => this.goTime(this.tIndex - 1),
      ArrowRight: () => this.goTime(this.tIndex + 1),
    };
    if (Object.hasOwn(nav, ev.key)) return onSlider ? null : nav[ev.key]!;
    const k = ev.key.toLowerCase();
    if (k === 'f' && this.modeInputs.size) return () => this.setMode(MODES[(MODES.indexOf(this.mode) + 1) % MODES.length]!);
    const shared = this.windowCtl?.keyAction(k) ?? this.nuclei?.keyAction(k) ?? this.stain?.keyAction(k);
    if (shared) return shared;
    if (k === 'x' && this.channels) return () => this.channels?.next();
    return null;
  }
}

export function mountViewer(root: HTMLElement, config: ViewerConfig): ViewerPage {
  return new ViewerPage(root, config);
}
