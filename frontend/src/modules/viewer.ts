/**
 * Viewer: browse a specimen through z and time, with the RI display window and
 * the fluorescence reference off / side by side / overlaid (tinted green).
 */

import { helpButton, ShortcutPanel } from '../components/ShortcutPanel';
import { isWindowConfig, WindowControl, type WindowConfig } from '../components/WindowControl';
import { MaskEditor, type ViewChangeDetail } from '../editor/MaskEditor';
import { withWindow } from '../lib/api';
import { button, h, setChildren } from '../lib/dom';
import { icons } from '../lib/icons';
import { isMod, isTypingTarget } from '../lib/keys';
import { fitToViewport } from '../lib/layout';

export interface ViewerSection {
  id: number | string;
  z: number;
  imageUrl: string;
  fluorescenceUrl?: string | null;
  width?: number;
  height?: number;
}

export interface ViewerConfig {
  module: 'viewer';
  specimen?: { name?: string; lab?: string } | null;
  timePoints?: { t: number; volumeId?: number | string; sections: ViewerSection[] }[];
  modality?: string;
  window?: WindowConfig | null;
  /** Optional display window for the fluorescence images (same shape as `window`). */
  fluorescenceWindow?: WindowConfig | null;
  annotateUrlTemplate?: string | null;
  width?: number;
  height?: number;
}

export type FluorMode = 'off' | 'side' | 'overlay';

export class ViewerPage {
  editor: MaskEditor | null = null;
  fluorEditor: MaskEditor | null = null;
  tIndex = 0;
  zIndex = 0;
  mode: FluorMode = 'off';
  private readonly cfg: ViewerConfig;
  private readonly times: { t: number; sections: ViewerSection[] }[];
  private stageHost: HTMLElement;
  private mainHost: HTMLElement;
  private fluorHost: HTMLElement;
  private zSlider: HTMLInputElement;
  private tSlider: HTMLInputElement;
  private posText: HTMLElement;
  private zText: HTMLElement;
  private tText: HTMLElement;
  private annotateLink: HTMLAnchorElement;
  private modeInputs = new Map<FluorMode, HTMLInputElement>();
  private alphaInput: HTMLInputElement;
  private windowCtl: WindowControl | null = null;
  private fluorWindowCtl: WindowControl | null = null;
  private preloaded = new Map<string, HTMLImageElement>();
  private editorSize: [number, number] | null = null;
  private syncingView = false;
  private readonly panel: ShortcutPanel;
  private sizeToken = 0;

  constructor(
    private readonly root: HTMLElement,
    config: ViewerConfig,
  ) {
    this.cfg = config;
    this.times = (config.timePoints ?? [])
      .map((tp) => ({ t: tp.t, sections: [...(tp.sections ?? [])].sort((a, b) => a.z - b.z) }))
      .filter((tp) => tp.sections.length > 0)
      .sort((a, b) => a.t - b.t);
    root.classList.add('cw-app', 'cw-viewer');
    this.panel = new ShortcutPanel(() => [
      {
        title: 'Viewer',
        items: [
          { keys: '↑ / PageUp', label: 'Next z-section (up)' },
          { keys: '↓ / PageDown', label: 'Previous z-section (down)' },
          { keys: 'Home / End', label: 'First / last z-section' },
          { keys: '← / →', label: 'Previous / next time point' },
          { keys: 'F', label: 'Fluorescence: off / side by side / overlay' },
          { keys: 'W', label: 'Reset display window' },
          { keys: '?', label: 'Show / hide this list' },
        ],
      },
      ...(this.editor?.shortcuts() ?? []),
    ]);

    this.mainHost = h('div', { class: 'cw-viewer-pane' });
    this.fluorHost = h('div', { class: 'cw-viewer-pane', hidden: true });
    this.stageHost = h('div', { class: 'cw-main cw-viewer-stage' }, this.mainHost, this.fluorHost);
    this.posText = h('span', { class: 'cw-appbar-meta' });
    const sp = config.specimen ?? {};
    const title = [sp.name, sp.lab].filter(Boolean).join(' · ') || 'Specimen';

    this.zSlider = h('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'z-section' });
    this.tSlider = h('input', { type: 'range', min: 0, max: Math.max(0, this.times.length - 1), step: 1, value: 0, 'aria-label': 'Time point' });
    this.zText = h('output', { class: 'cw-window-value' });
    this.tText = h('output', { class: 'cw-window-value' });
    this.zSlider.addEventListener('input', () => this.go(this.tIndex, Number(this.zSlider.value)));
    this.tSlider.addEventListener('input', () => this.goTime(Number(this.tSlider.value)));
    this.annotateLink = h('a', { class: 'cw-btn cw-btn-sm', href: '#' }, h('span', { class: 'cw-icon', 'aria-hidden': 'true', html: icons.edit }), h('span', { class: 'cw-btn-label' }, 'Annotate this section'));
    this.alphaInput = h('input', { type: 'range', min: 0.1, max: 1, step: 0.05, value: 0.6, 'aria-label': 'Overlay opacity' });
    this.alphaInput.addEventListener('input', () => this.editor?.setTintAlpha(Number(this.alphaInput.value)));

    const sidebar = h('aside', { class: 'cw-sidebar' });
    setChildren(
      root,
      h('header', { class: 'cw-appbar' }, h('div', { class: 'cw-appbar-title' }, h('h1', null, title), this.posText), h('div', { class: 'cw-appbar-actions' }, helpButton(this.panel))),
      h('div', { class: 'cw-workspace' }, this.stageHost, sidebar),
    );
    fitToViewport(root);
    if (!this.times.length) {
      setChildren(this.mainHost, h('div', { class: 'cw-empty' }, 'This specimen has no sections yet.'));
      return;
    }

    const navCard = h(
      'section',
      { class: 'cw-card', 'data-card': 'navigation' },
      h('h2', { class: 'cw-card-title' }, 'Position'),
      h('div', { class: 'cw-window-row' }, h('span', { class: 'cw-window-label' }, 'z'), this.zSlider, this.zText),
      h(
        'div',
        { class: 'cw-btn-row' },
        button('Down', { icon: icons.down, kbd: '↓', small: true, onClick: () => this.stepZ(-1) }),
        button('Up', { icon: icons.up, kbd: '↑', small: true, onClick: () => this.stepZ(1) }),
      ),
      this.times.length > 1 ? h('div', { class: 'cw-window-row' }, h('span', { class: 'cw-window-label' }, 't'), this.tSlider, this.tText) : null,
      this.times.length > 1
        ? h(
            'div',
            { class: 'cw-btn-row' },
            button('Earlier', { icon: icons.prev, kbd: '←', small: true, onClick: () => this.goTime(this.tIndex - 1) }),
            button('Later', { icon: icons.next, kbd: '→', small: true, onClick: () => this.goTime(this.tIndex + 1) }),
          )
        : null,
      config.annotateUrlTemplate ? h('div', { class: 'cw-btn-row' }, this.annotateLink) : null,
    );
    sidebar.appendChild(navCard);

    const hasFluor = this.times.some((tp) => tp.sections.some((s) => s.fluorescenceUrl));
    if (hasFluor) {
      const radios = (['off', 'side', 'overlay'] as FluorMode[]).map((m) => {
        const input = h('input', { type: 'radio', name: 'cw-fluor-mode', value: m });
        input.checked = m === this.mode;
        input.addEventListener('change', () => input.checked && this.setMode(m));
        this.modeInputs.set(m, input);
        return h('label', { class: 'cw-check' }, input, m === 'off' ? 'Off' : m === 'side' ? 'Side by side' : 'Overlay (green)');
      });
      sidebar.appendChild(
        h(
          'section',
          { class: 'cw-card', 'data-card': 'fluorescence' },
          h('div', { class: 'cw-card-head' }, h('h2', { class: 'cw-card-title' }, 'Fluorescence'), h('kbd', { class: 'cw-kbd' }, 'F')),
          h('div', { class: 'cw-radio-row', role: 'radiogroup', 'aria-label': 'Fluorescence display' }, ...radios),
          h('div', { class: 'cw-window-row cw-overlay-alpha' }, h('span', { class: 'cw-window-label' }, 'Opacity'), this.alphaInput),
        ),
      );
    }
    if (isWindowConfig(config.window)) {
      this.windowCtl = new WindowControl(config.window, () => this.render(), { storageKey: `cellweb.window.${config.modality ?? 'default'}` });
      sidebar.appendChild(h('section', { class: 'cw-card' }, h('h2', { class: 'cw-card-title' }, 'Display'), this.windowCtl.el));
    }
    if (hasFluor && isWindowConfig(config.fluorescenceWindow)) {
      this.fluorWindowCtl = new WindowControl(config.fluorescenceWindow, () => this.render(), { storageKey: null });
      sidebar.appendChild(h('section', { class: 'cw-card', 'data-card': 'fluorescence-window' }, h('h2', { class: 'cw-card-title' }, 'Fluorescence display'), this.fluorWindowCtl.el));
    }

    const [t0, z0] = this.fromHash();
    this.tIndex = t0;
    this.zIndex = z0;
    this.bindKeys();
    window.addEventListener('hashchange', () => {
      const [t, z] = this.fromHash();
      if (t !== this.tIndex || z !== this.zIndex) this.go(t, z);
    });
    this.go(this.tIndex, this.zIndex);
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
    const z = this.section?.z ?? 0;
    const secs = this.times[t]!.sections;
    let best = 0;
    secs.forEach((s, i) => {
      if (Math.abs(s.z - z) < Math.abs(secs[best]!.z - z)) best = i;
    });
    this.go(t, best);
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
    if (m === 'side') {
      // Once both panes have their new size, start the fluorescence pane at the same view.
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          if (this.editor && !this.editor.viewIsFit) this.fluorEditor?.setView(this.editor.getView());
        }),
      );
    }
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
    this.posText.textContent = `t ${tp.t}${this.times.length > 1 ? ` (${this.tIndex + 1}/${this.times.length})` : ''} · z ${s.z} (${this.zIndex + 1}/${n})`;
    this.root.dataset.t = String(tp.t);
    this.root.dataset.z = String(s.z);
    this.root.dataset.sectionId = String(s.id);
    if (this.cfg.annotateUrlTemplate) this.annotateLink.href = this.cfg.annotateUrlTemplate.replace('{id}', encodeURIComponent(String(s.id)));
    const hash = `#t=${tp.t}&z=${s.z}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    void this.show(s);
    this.preload();
  }

  private async show(s: ViewerSection): Promise<void> {
    const token = ++this.sizeToken;
    const size = await this.sizeOf(s);
    if (token !== this.sizeToken) return;
    this.ensureEditors(size[0], size[1]);
    const ed = this.editor!;
    ed.setImageUrl(this.url(s.imageUrl));
    const f = s.fluorescenceUrl ? this.fluorUrl(s.fluorescenceUrl) : null;
    const overlay = this.mode === 'overlay' && f;
    ed.setTint(overlay ? { url: f, colour: '#00ff00', alpha: Number(this.alphaInput.value) } : null);
    const side = this.mode === 'side';
    this.fluorHost.hidden = !side;
    this.stageHost.classList.toggle('is-split', side);
    if (side && this.fluorEditor) {
      this.fluorEditor.setImageUrl(f);
      if (!f) this.fluorEditor.showToast('No fluorescence image for this section', 3000);
    }
    this.root.querySelector('.cw-overlay-alpha')?.toggleAttribute('hidden', this.mode !== 'overlay');
  }

  private sizeOf(s: ViewerSection): Promise<[number, number]> {
    const w = s.width ?? this.cfg.width;
    const hh = s.height ?? this.cfg.height;
    if (w && hh) return Promise.resolve([w, hh]);
    if (this.editorSize) return Promise.resolve(this.editorSize);
    // Without sizes in the config, the first image tells us.
    return new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve([img.naturalWidth || 448, img.naturalHeight || 448]);
      img.onerror = () => resolve([448, 448]);
      img.src = this.url(s.imageUrl);
    });
  }

  private ensureEditors(w: number, hh: number): void {
    if (this.editor && this.editorSize && this.editorSize[0] === w && this.editorSize[1] === hh) return;
    const view = this.editor?.getView();
    this.editor?.destroy();
    this.fluorEditor?.destroy();
    this.editorSize = [w, hh];
    const modality = (this.cfg.modality ?? 'label-free').toUpperCase();
    this.editor = new MaskEditor(this.mainHost, { width: w, height: hh, readOnly: true, tool: 'hand', ariaLabel: 'Label-free section', label: modality });
    this.fluorEditor = new MaskEditor(this.fluorHost, { width: w, height: hh, readOnly: true, tool: 'hand', keyboard: false, ariaLabel: 'Fluorescence section', label: 'Fluorescence' });
    if (view) this.editor.setView(view);
    // Side-by-side panes zoom and pan together; refits on resize stay local.
    const link = (from: MaskEditor, to: MaskEditor) =>
      from.addEventListener('viewchange', (ev) => {
        const d = (ev as CustomEvent<ViewChangeDetail>).detail;
        if (this.syncingView || d.source !== 'user') return;
        this.syncingView = true;
        to.setView(d);
        this.syncingView = false;
      });
    link(this.editor, this.fluorEditor);
    link(this.fluorEditor, this.editor);
  }

  private url(u: string): string {
    const w = this.windowCtl;
    return w && w.isCustom ? withWindow(u, w.lo, w.hi) : u;
  }

  private fluorUrl(u: string): string {
    const w = this.fluorWindowCtl;
    return w && w.isCustom ? withWindow(u, w.lo, w.hi) : u;
  }

  private preload(): void {
    const tp = this.times[this.tIndex];
    if (!tp) return;
    const wanted: string[] = [];
    for (const d of [1, -1, 2, -2]) {
      const s = tp.sections[this.zIndex + d];
      if (!s) continue;
      wanted.push(this.url(s.imageUrl));
      if (this.mode !== 'off' && s.fluorescenceUrl) wanted.push(this.fluorUrl(s.fluorescenceUrl));
    }
    for (const d of [1, -1]) {
      const other = this.times[this.tIndex + d];
      const s = other?.sections[Math.min(this.zIndex, (other?.sections.length ?? 1) - 1)];
      if (s) wanted.push(this.url(s.imageUrl));
    }
    const keep = new Map<string, HTMLImageElement>();
    for (const u of wanted) {
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

  private fromHash(): [number, number] {
    const m = /t=(-?\d+(?:\.\d+)?)/.exec(location.hash);
    const mz = /z=(-?\d+(?:\.\d+)?)/.exec(location.hash);
    let ti = this.tIndex;
    if (m) {
      const i = this.times.findIndex((tp) => tp.t === Number(m[1]));
      if (i >= 0) ti = i;
    }
    let zi = this.zIndex;
    if (mz) {
      const i = this.times[ti]?.sections.findIndex((s) => s.z === Number(mz[1])) ?? -1;
      if (i >= 0) zi = i;
    } else if (!m) {
      zi = Math.floor(((this.times[ti]?.sections.length ?? 1) - 1) / 2);
    }
    return [ti, zi];
  }

  private bindKeys(): void {
    document.addEventListener('keydown', (ev) => {
      if (ev.defaultPrevented || isTypingTarget(ev.target) || isMod(ev) || ev.altKey) return;
      const onSlider = ev.target instanceof HTMLInputElement && ev.target.type === 'range';
      const act = (fn: () => void) => {
        ev.preventDefault();
        fn();
      };
      switch (ev.key) {
        case 'ArrowUp':
        case 'PageUp':
          if (!onSlider) act(() => this.stepZ(1));
          return;
        case 'ArrowDown':
        case 'PageDown':
          if (!onSlider) act(() => this.stepZ(-1));
          return;
        case 'Home':
          if (!onSlider) act(() => this.go(this.tIndex, 0));
          return;
        case 'End':
          if (!onSlider) act(() => this.go(this.tIndex, Number.MAX_SAFE_INTEGER));
          return;
        case 'ArrowLeft':
          if (!onSlider) act(() => this.goTime(this.tIndex - 1));
          return;
        case 'ArrowRight':
          if (!onSlider) act(() => this.goTime(this.tIndex + 1));
          return;
        case 'f':
        case 'F': {
          if (!this.modeInputs.size) return;
          const order: FluorMode[] = ['off', 'side', 'overlay'];
          act(() => this.setMode(order[(order.indexOf(this.mode) + 1) % 3]!));
          return;
        }
        case 'w':
        case 'W':
          if (this.windowCtl) act(() => this.windowCtl!.reset());
          return;
        default:
          return;
      }
    });
  }
}

export function mountViewer(root: HTMLElement, config: ViewerConfig): ViewerPage {
  return new ViewerPage(root, config);
}
