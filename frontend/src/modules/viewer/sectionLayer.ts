/**
 * A layer of the viewer drawn from what the server works out per section
 * (the active model's contours, the virtual stain): a sidebar card with its
 * key, a switch and a caption, and the section's data fetched once per
 * section URL and kept while the page is open (a failed fetch is tried again
 * next time). Switching it sets `data-<role>` on the page root to on / off.
 * An answer for a section the page has left meanwhile is dropped.
 */

import { card, h } from '../../lib/dom';
import type { ShortcutDef } from '../../lib/keys';

/** The card of a layer. */
export interface LayerCard {
  /** Names the switch, its caption (`<role>-caption`), its card and the root's data attribute. */
  role: string;
  title: string;
  /** The key that switches it (the page binds it). */
  key: string;
  /** The switch's label. */
  label: string;
  /** What the key does, in the shortcut list. */
  help: string;
}

/** A layer's entry in the shortcut list. */
export function layerShortcut(layer: LayerCard): ShortcutDef {
  return { keys: layer.key, label: layer.help };
}

export interface SectionLayerSpec<T> {
  card: LayerCard;
  /** Fetches a section's data. */
  load(url: string): Promise<T>;
  /** The caption while a section's data is on its way. */
  loading: string;
  /** Shows a section's data; returns the caption. */
  show(found: T, sectionId: number | string): string;
  hide(): void;
  /** The caption of a failed fetch. */
  failed(err: unknown): string;
}

export class SectionLayer<T> {
  on = false;
  readonly card: HTMLElement;
  private readonly cache = new Map<string, Promise<T>>();
  private readonly toggle: HTMLInputElement;
  private readonly caption: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    /** Where a section's data is, `{id}` = section id. */
    private readonly template: string,
    private readonly spec: SectionLayerSpec<T>,
    /** The section the page shows now. */
    private readonly current: () => { id: number | string } | null,
  ) {
    const { role, title, key, label } = spec.card;
    this.toggle = h('input', { type: 'checkbox', 'data-role': role });
    this.caption = h('p', { class: 'cw-muted', 'data-role': `${role}-caption` });
    this.toggle.addEventListener('change', () => this.set(this.toggle.checked));
    const head = h('div', { class: 'cw-card-head' }, h('h2', { class: 'cw-card-title' }, title), h('kbd', { class: 'cw-kbd' }, key));
    this.card = card(head, { 'data-card': role }, h('label', { class: 'cw-check' }, this.toggle, label), this.caption);
  }

  /** Switches the layer when `key` is its key; null for other keys. */
  keyAction(key: string): (() => void) | null {
    return key.toLowerCase() === this.spec.card.key.toLowerCase() ? () => this.set(!this.on) : null;
  }

  set(on: boolean): void {
    this.on = on;
    this.toggle.checked = on;
    this.root.dataset[datasetName(this.spec.card.role)] = on ? 'on' : 'off';
    void this.draw();
  }

  /** Shows (or hides) the layer of the current section. */
  async draw(): Promise<void> {
    const s = this.current();
    if (!s) return;
    if (!this.on) {
      this.spec.hide();
      this.caption.textContent = '';
      return;
    }
    this.caption.textContent = this.spec.loading;
    try {
      const found = await this.get(s.id);
      if (this.current() !== s || !this.on) return;
      this.caption.textContent = this.spec.show(found, s.id);
    } catch (err) {
      if (this.current() !== s) return;
      this.spec.hide();
      this.caption.textContent = this.spec.failed(err);
    }
  }

  private get(sectionId: number | string): Promise<T> {
    const url = this.template.replace('{id}', encodeURIComponent(String(sectionId)));
    let found = this.cache.get(url);
    if (!found) {
      found = this.spec.load(url);
      found.catch(() => this.cache.delete(url));
      this.cache.set(url, found);
    }
    return found;
  }
}

/** `model-contours` → `modelContours`, the dataset name of `data-model-contours`. */
function datasetName(role: string): string {
  return role.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}
