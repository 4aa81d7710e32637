/**
 * The adjacent z-sections beside the editor: one image at a time, toggled by
 * its button (or `,` and `.`), drawn with the current display window.
 */

import { button, h } from '../lib/dom';
import type { ShortcutDef } from '../lib/keys';

export type Side = 'prev' | 'next';

export type Neighbours = Partial<Record<Side, { imageUrl: string } | null>> | null | undefined;

const WORD: Record<Side, { adj: string; title: string; dz: number }> = {
  prev: { adj: 'previous', title: 'Previous', dz: -1 },
  next: { adj: 'next', title: 'Next', dz: 1 },
};

/** The panel's keys, as the shortcut lists name them (`keyAction` binds them). */
export const NEIGHBOUR_SHORTCUT: ShortcutDef = { keys: ', / .', label: 'View the section at z − 1 / z + 1 beside the editor' };

export class NeighbourPanel {
  readonly figure: HTMLElement;
  shown: Side | null = null;
  /** Called when a side is shown. */
  onShow: ((side: Side) => void) | null = null;
  private readonly img = h('img', { class: 'cw-side-image', alt: '' });
  private readonly caption = h('figcaption');
  private readonly buttons = new Map<Side, HTMLButtonElement>();

  constructor(
    private readonly neighbours: Neighbours,
    /** The image URL with the current display window. */
    private readonly imageUrl: (url: string) => string,
    /** The section's z, to name the neighbours' z in captions (omitted when unknown). */
    private readonly z?: number,
  ) {
    this.figure = h('figure', { class: 'cw-side-figure', hidden: true }, this.img, this.caption);
  }

  /** " z4 (z − 1)" for the previous section of z5, or " z − 1" when z or that section is unknown. */
  zLabel(side: Side): string {
    const rel = `z ${WORD[side].dz < 0 ? '−' : '+'} 1`;
    return this.z !== undefined && this.neighbours?.[side] ? ` z${this.z + WORD[side].dz} (${rel})` : ` ${rel}`;
  }

  /** The button that shows or hides one side; disabled when there is no such section. */
  button(side: Side, label: string, kbd: string, icon?: string): HTMLButtonElement {
    const b = button(label, { icon, kbd, small: true, onClick: () => this.toggle(side) });
    b.title = `Show / hide the ${WORD[side].adj} z-section beside the editor (${kbd})`;
    b.setAttribute('aria-pressed', 'false');
    if (!this.neighbours?.[side]) b.disabled = true;
    this.buttons.set(side, b);
    return b;
  }

  /** What `,` (the previous section) and `.` (the next) do; null for other keys. */
  keyAction(key: string): (() => void) | null {
    if (key !== ',' && key !== '.') return null;
    return () => this.toggle(key === ',' ? 'prev' : 'next');
  }

  toggle(side: Side): void {
    if (!this.neighbours?.[side]) return;
    this.shown = this.shown === side ? null : side;
    this.figure.hidden = this.shown === null;
    if (this.shown) {
      this.refresh();
      this.onShow?.(side);
      this.reveal();
    }
    for (const [s, b] of this.buttons) b.setAttribute('aria-pressed', String(s === this.shown));
  }

  /**
   * On a laptop screen (720 or 768 px high) the figure sits below the fold under the side cards:
   * it scrolls into sight with its card, so the buttons that toggle it stay in sight too; a card
   * taller than the side column brings the figure alone.
   */
  private reveal(): void {
    const card = this.figure.closest<HTMLElement>('.cw-card');
    const port = card?.parentElement;
    const fits = card && port && card.offsetHeight <= port.clientHeight;
    (fits ? card : this.figure).scrollIntoView({ block: 'nearest' });
  }

  /** Loads the shown image again, e.g. after the display window changed. */
  refresh(): void {
    const side = this.shown;
    const nb = side ? this.neighbours?.[side] : null;
    if (!side || !nb) return;
    this.img.src = this.imageUrl(nb.imageUrl);
    this.img.alt = `${WORD[side].title} z-section`;
    this.caption.textContent = `Section${this.zLabel(side)}`;
  }
}
