/** The keyboard shortcut list, toggled with `?` from anywhere on the page. */

import { h } from '../lib/dom';
import { isTypingTarget, type ShortcutDef, type ShortcutGroup } from '../lib/keys';

/** The panel's own key, the last entry of a page's list. */
export const HELP_SHORTCUT: ShortcutDef = { keys: '?', label: 'Show / hide this list' };

export class ShortcutPanel {
  readonly el: HTMLElement;
  private body: HTMLElement;

  constructor(private readonly groups: () => ShortcutGroup[]) {
    this.body = h('div', { class: 'cw-shortcuts-body' });
    const close = h('button', { type: 'button', class: 'cw-btn cw-btn-sm cw-btn-ghost', 'aria-label': 'Close shortcut list' }, 'Close', h('kbd', { class: 'cw-kbd' }, 'Esc'));
    close.addEventListener('click', () => this.hide());
    this.el = h(
      'div',
      { class: 'cw-shortcuts', role: 'dialog', 'aria-label': 'Keyboard shortcuts', hidden: true },
      h('div', { class: 'cw-shortcuts-head' }, h('h2', null, 'Keyboard shortcuts'), close),
      this.body,
    );
    document.body.appendChild(this.el);
    document.addEventListener('keydown', (ev) => {
      if (isTypingTarget(ev.target)) return;
      if (ev.key === '?' && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
        ev.preventDefault();
        this.toggle();
      } else if (ev.key === 'Escape' && !this.el.hidden) {
        ev.preventDefault();
        this.hide();
      }
    });
  }

  get visible(): boolean {
    return !this.el.hidden;
  }

  toggle(): void {
    if (this.el.hidden) this.show();
    else this.hide();
  }

  show(): void {
    this.body.replaceChildren(
      ...this.groups().map((g) =>
        h(
          'section',
          { class: 'cw-shortcuts-group' },
          h('h3', null, g.title),
          h('dl', null, ...g.items.flatMap((it) => [h('dt', null, ...kbds(it.keys)), h('dd', null, it.label)])),
        ),
      ),
    );
    this.el.hidden = false;
  }

  hide(): void {
    this.el.hidden = true;
  }
}

/** Renders "Ctrl+Shift+Z / Ctrl+Y" as separate <kbd> chips. */
function kbds(keys: string): (HTMLElement | string)[] {
  const out: (HTMLElement | string)[] = [];
  keys.split(' / ').forEach((alt, i) => {
    if (i > 0) out.push(' or ');
    out.push(h('kbd', { class: 'cw-kbd' }, alt));
  });
  return out;
}

export function helpButton(panel: ShortcutPanel): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'cw-btn cw-btn-ghost cw-btn-sm', title: 'Keyboard shortcuts (?)' }, 'Shortcuts', h('kbd', { class: 'cw-kbd' }, '?'));
  b.addEventListener('click', () => panel.toggle());
  return b;
}
