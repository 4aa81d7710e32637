/**
 * The "Reference" card: the section's fluorescence image beside the editor,
 * loaded the first time it is shown and toggled by its button (or R).
 */

import { button, card, h } from '../lib/dom';
import { icons } from '../lib/icons';
import type { ShortcutDef } from '../lib/keys';

/** The panel's key, as the shortcut lists name it. */
export const REFERENCE_SHORTCUT: ShortcutDef = { keys: 'R', label: 'Reference fluorescence panel' };

export class ReferencePanel {
  readonly card: HTMLElement;
  private readonly figure: HTMLElement;
  private readonly img: HTMLImageElement;
  private readonly toggleBtn: HTMLButtonElement;

  constructor(private readonly url: string) {
    this.img = h('img', { class: 'cw-side-image', alt: 'Reference fluorescence image of this section', loading: 'lazy' });
    this.figure = h('figure', { class: 'cw-side-figure', hidden: true }, this.img, h('figcaption', null, 'Reference fluorescence (same section)'));
    this.toggleBtn = button('Fluorescence', { icon: icons.fluor, kbd: 'R', small: true, onClick: () => this.toggle() });
    this.toggleBtn.setAttribute('aria-pressed', 'false');
    this.card = card(h('div', { class: 'cw-card-head' }, h('h2', { class: 'cw-card-title' }, 'Reference'), this.toggleBtn), null, this.figure);
  }

  toggle(): void {
    if (!this.img.getAttribute('src')) {
      this.img.src = this.url;
      // The picture gives the card its height only once it has loaded.
      this.img.addEventListener('load', () => this.reveal(), { once: true });
    }
    this.figure.hidden = !this.figure.hidden;
    this.toggleBtn.setAttribute('aria-pressed', String(!this.figure.hidden));
    this.reveal();
  }

  /** Scrolls the sidebar so the shown picture is in view (R must never open it off-screen). */
  private reveal(): void {
    if (!this.figure.hidden) this.figure.scrollIntoView({ block: 'nearest' });
  }
}
