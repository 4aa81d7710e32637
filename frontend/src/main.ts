/**
 * Entry point of the CellWeb bundle. Reads the page config that Django writes
 * with json_script into <script id="cw-config" type="application/json"> and
 * mounts the requested module into #cw-root.
 */

import './styles/app.css';
import { setCsrfToken } from './lib/api';
import { h, setChildren } from './lib/dom';
import type { MaskEditor } from './editor/MaskEditor';
import { mountAnnotator, type AnnotatorConfig } from './modules/annotator';
import { mountHarness, type HarnessConfig } from './modules/harness';
import { mountImport, type ImportConfig } from './modules/import';
import { mountJob, type JobConfig } from './modules/job';
import { mountReport, type ReportConfig } from './modules/report';
import { mountReview, type ReviewConfig } from './modules/review';
import { mountViewer, type ViewerConfig } from './modules/viewer';

export { MaskEditor } from './editor/MaskEditor';

export const MODULES = ['annotator', 'review', 'viewer', 'job', 'import', 'report', 'harness'] as const;
export type ModuleName = (typeof MODULES)[number];

export interface CellwebHandle {
  module: ModuleName | null;
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

export function mount(): CellwebHandle {
  const cfg = readConfig();
  const module = (typeof cfg?.module === 'string' ? cfg.module : null) as ModuleName | null;
  let root = document.getElementById('cw-root');
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
  if (!root && module !== 'report') {
    root = h('div', { id: 'cw-root' });
    document.body.appendChild(root);
  }
  try {
    switch (module) {
      case 'annotator':
        handle.page = mountAnnotator(root!, cfg as unknown as AnnotatorConfig);
        break;
      case 'review':
        handle.page = mountReview(root!, cfg as unknown as ReviewConfig);
        break;
      case 'viewer':
        handle.page = mountViewer(root!, cfg as unknown as ViewerConfig);
        break;
      case 'job':
        handle.page = mountJob(root!, cfg as unknown as JobConfig);
        break;
      case 'import':
        handle.page = mountImport(root!, cfg as unknown as ImportConfig);
        break;
      case 'report':
        handle.page = mountReport(root, cfg as unknown as ReportConfig);
        break;
      case 'harness':
        handle.page = mountHarness(root!, cfg as unknown as HarnessConfig);
        break;
      default:
        handle.error = `Unknown module "${String(module)}"`;
        console.error(`cellweb: ${handle.error}`);
        return handle;
    }
  } catch (err) {
    handle.error = err instanceof Error ? err.message : String(err);
    console.error('cellweb: failed to mount', module, err);
    if (root) showFatal(root, handle.error);
  }
  return handle;
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => mount(), { once: true });
  else mount();
}
