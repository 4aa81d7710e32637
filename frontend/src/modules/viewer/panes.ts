/**
 * The viewer's image panes: the label-free section in a read-only editor and,
 * side by side, the fluorescence in a second one that zooms and pans with it
 * (or tinted green over the first), and the virtual stain in a third. Editors
 * are rebuilt only when the section size changes; a slow size lookup never
 * overrides a newer section.
 */

import { MaskEditor, type ViewChangeDetail } from '../../editor/MaskEditor';
import { h } from '../../lib/dom';
import type { FluorMode, ViewerSection } from './types';

/** Assumed when neither the config nor the image says how large a section is. */
const FALLBACK_SIZE = 448;

export interface PaneImages {
  image: string;
  fluorescence: string | null;
  mode: FluorMode;
  alpha: number;
  /** The channel shown, for a multi-channel section: the main pane's caption names it. */
  channel?: string | null;
}

export class ViewerPanes {
  readonly stage: HTMLElement;
  readonly mainHost = h('div', { class: 'cw-viewer-pane' });
  editor: MaskEditor | null = null;
  fluorEditor: MaskEditor | null = null;
  stainEditor: MaskEditor | null = null;
  private readonly fluorHost = h('div', { class: 'cw-viewer-pane', hidden: true });
  private readonly stainHost = h('div', { class: 'cw-viewer-pane', hidden: true, 'data-pane': 'virtual-stain' });
  private size: [number, number] | null = null;
  private syncingView = false;
  private token = 0;

  constructor(
    /** Modality caption of the main pane. */
    private readonly modality: string,
    /** Section size from the config, when it gives one. */
    private readonly configSize: { width?: number; height?: number },
  ) {
    this.stage = h('div', { class: 'cw-main cw-viewer-stage' }, this.mainHost, this.fluorHost, this.stainHost);
  }

  async show(s: ViewerSection, images: PaneImages): Promise<void> {
    const token = ++this.token;
    const size = await this.sizeOf(s, images.image);
    if (token !== this.token) return;
    const [ed, fluor] = this.ensureEditors(size[0], size[1]);
    ed.setImageUrl(images.image);
    ed.setLabel(images.channel ? `${this.modality} · ${images.channel}` : this.modality);
    const f = images.fluorescence;
    ed.setTint(images.mode === 'overlay' && f ? { url: f, colour: '#00ff00', alpha: images.alpha } : null);
    const side = images.mode === 'side';
    this.fluorHost.hidden = !side;
    this.stage.classList.toggle('is-split', side || !this.stainHost.hidden);
    if (side) {
      fluor.setImageUrl(f);
      if (!f) fluor.showToast('No fluorescence image for this section', 3000);
    }
  }

  /** Shows the virtual stain (an image URL) in its own pane, or hides the pane (null). */
  showVirtualStain(url: string | null): void {
    this.stainHost.hidden = url === null;
    this.stage.classList.toggle('is-split', !this.fluorHost.hidden || url !== null);
    if (url !== null) {
      this.stainEditor?.setImageUrl(url);
      if (this.editor && !this.editor.viewIsFit) this.stainEditor?.setView(this.editor.getView());
    }
  }

  /** Once both panes have their new size, starts the fluorescence pane at the main pane's view. */
  alignSideBySide(): void {
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        if (this.editor && !this.editor.viewIsFit) this.fluorEditor?.setView(this.editor.getView());
      }),
    );
  }

  private sizeOf(s: ViewerSection, imageUrl: string): Promise<[number, number]> {
    const w = s.width ?? this.configSize.width;
    const hh = s.height ?? this.configSize.height;
    if (w && hh) return Promise.resolve([w, hh]);
    if (this.size) return Promise.resolve(this.size);
    // Without sizes in the config, the first image tells us.
    return new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve([img.naturalWidth || FALLBACK_SIZE, img.naturalHeight || FALLBACK_SIZE]);
      img.onerror = () => resolve([FALLBACK_SIZE, FALLBACK_SIZE]);
      img.src = imageUrl;
    });
  }

  private ensureEditors(w: number, hh: number): [MaskEditor, MaskEditor] {
    if (this.editor && this.fluorEditor && this.size?.[0] === w && this.size[1] === hh) return [this.editor, this.fluorEditor];
    const view = this.editor?.getView();
    this.editor?.destroy();
    this.fluorEditor?.destroy();
    this.stainEditor?.destroy();
    this.size = [w, hh];
    const ed = new MaskEditor(this.mainHost, { width: w, height: hh, readOnly: true, tool: 'hand', ariaLabel: 'Label-free section', label: this.modality });
    const fluor = new MaskEditor(this.fluorHost, { width: w, height: hh, readOnly: true, tool: 'hand', keyboard: false, ariaLabel: 'Fluorescence section', label: 'Fluorescence' });
    const stain = new MaskEditor(this.stainHost, { width: w, height: hh, readOnly: true, tool: 'hand', keyboard: false, ariaLabel: 'Virtual stain', label: 'Virtual stain (predicted)' });
    if (view) ed.setView(view);
    // Side-by-side panes zoom and pan together; refits on resize stay local.
    const link = (from: MaskEditor, to: MaskEditor) =>
      from.addEventListener('viewchange', (ev) => {
        const d = (ev as CustomEvent<ViewChangeDetail>).detail;
        if (this.syncingView || d.source !== 'user') return;
        this.syncingView = true;
        to.setView(d);
        this.syncingView = false;
      });
    const panes = [ed, fluor, stain];
    for (const from of panes) for (const to of panes) if (from !== to) link(from, to);
    this.editor = ed;
    this.fluorEditor = fluor;
    this.stainEditor = stain;
    return [ed, fluor];
  }
}
