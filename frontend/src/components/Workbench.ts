/**
 * The full-height working layout of the section pages (annotator, review,
 * viewer and the development harness): an app bar with the title, optional
 * content in the middle and the shortcut-list button, then the canvas area
 * beside a sidebar, sized to the space the template leaves on screen.
 */

import { h, setChildren } from '../lib/dom';
import type { ShortcutGroup } from '../lib/keys';
import { fitToViewport } from '../lib/layout';
import { helpButton, ShortcutPanel } from './ShortcutPanel';

export interface WorkbenchOptions {
  /** Page name; the root also gets the class `cw-<page>`. */
  page: string;
  title: string;
  /** Shown beside the title (a badge, the current position). */
  beside?: HTMLElement | null;
  /** Between the title and the actions (progress bars). */
  middle?: HTMLElement | null;
  /** The list behind the Shortcuts button and `?`; read when it opens. */
  shortcuts: () => ShortcutGroup[];
  /** The canvas area, when the page builds its own. */
  main?: HTMLElement;
}

export interface Workbench {
  main: HTMLElement;
  sidebar: HTMLElement;
  panel: ShortcutPanel;
}

export function workbench(root: HTMLElement, o: WorkbenchOptions): Workbench {
  const main = o.main ?? h('div', { class: 'cw-main' });
  const sidebar = h('aside', { class: 'cw-sidebar' });
  const panel = new ShortcutPanel(o.shortcuts);
  root.classList.add('cw-app', 'cw-workbench', `cw-${o.page}`);
  setChildren(
    root,
    h(
      'header',
      { class: 'cw-appbar' },
      h('div', { class: 'cw-appbar-title' }, h('h1', null, o.title), o.beside ?? null),
      o.middle ?? null,
      h('div', { class: 'cw-appbar-actions' }, helpButton(panel)),
    ),
    h('div', { class: 'cw-workspace' }, main, sidebar),
  );
  fitToViewport(root);
  return { main, sidebar, panel };
}
