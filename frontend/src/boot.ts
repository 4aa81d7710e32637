/**
 * Starting a page: read the config that Django writes with json_script into
 * <script id="cw-config" type="application/json">, look its `module` up in a
 * page table and mount that page into #cw-root. Each bundle (the app, the
 * development harness) passes its own table.
 */

import { setCsrfToken } from './lib/api';
import { h, setChildren } from './lib/dom';
import type { MaskEditor } from './editor/MaskEditor';

export interface PageEntry {
  /** Mounts the page; its config arrives as the page declares it. */
  mount(root: HTMLElement, config: never): unknown;
  /** False for pages that enhance server-rendered markup and need no #cw-root. */
  needsRoot?: boolean;
}

export type PageTable = Readonly<Record<string, PageEntry>>;

export interface CellwebHandle {
  module: string | null;
  page: unknown;
  readonly editor: MaskEditor | null;
  error?: string;
}

declare global {
  interface Window {
    cellweb?: CellwebHandle;
  }
}

export function readConfig(doc: Document = document): Record<string, unknown> | null {
  const el = doc.getElementById('cw-config');
  if (!el?.textContent) return null;
  try {
    const cfg = JSON.parse(el.textContent) as unknown;
    return cfg && typeof cfg === 'object' ? (cfg as Record<string, unknown>) : null;
  } catch (err) {
    console.error('cellweb: #cw-config is not valid JSON', err);
    return null;
  }
}

function showFatal(root: HTMLElement, message: string): void {
  setChildren(
    root,
    h('div', { class: 'cw-page cw-page-narrow' }, h('div', { class: 'cw-callout cw-callout-danger', 'data-result': 'fatal' }, h('p', null, h('strong', null, 'This page could not start. ')), h('p', null, message), h('p', { class: 'cw-muted' }, 'Reload the page; if it persists, tell the site maintainers.'))),
  );
}

/** Mounts the page the config names and exposes it as `window.cellweb` for browser tests. */
export function mount(pages: PageTable): CellwebHandle {
  const cfg = readConfig();
  const module = typeof cfg?.module === 'string' ? cfg.module : null;
  const handle: CellwebHandle = {
    module,
    page: null,
    get editor() {
      const p = this.page as { editor?: MaskEditor | null } | null;
      return p?.editor ?? null;
    },
  };
  window.cellweb = handle;
  if (!cfg || !module) return handle;
  setCsrfToken(typeof cfg.csrfToken === 'string' ? cfg.csrfToken : null);
  const entry = Object.hasOwn(pages, module) ? pages[module] : undefined;
  if (!entry) {
    handle.error = `Unknown module "${module}"`;
    console.error(`cellweb: ${handle.error}`);
    return handle;
  }
  let root = document.getElementById('cw-root');
  if (!root && entry.needsRoot !== false) {
    root = h('div', { id: 'cw-root' });
    document.body.appendChild(root);
  }
  try {
    handle.page = entry.mount(root as HTMLElement, cfg as never);
  } catch (err) {
    handle.error = err instanceof Error ? err.message : String(err);
    console.error('cellweb: failed to mount', module, err);
    if (root) showFatal(root, handle.error);
  }
  return handle;
}

/** Mounts once the document has been parsed. */
export function start(pages: PageTable): void {
  if (typeof document === 'undefined') return;
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mount(pages), { once: true });
  else mount(pages);
}
