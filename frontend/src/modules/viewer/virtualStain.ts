/**
 * The viewer's virtual stain: the fluorescence an in-silico-labelling model
 * predicts for the shown section (stained or not), fetched per section
 * (sectionLayer.ts) as a PNG and kept as an object URL while the page is
 * open. A refusal (no such model yet, a fluorescence section) comes back as
 * the server's reason.
 */

import type { ViewerPanes } from './panes';
import type { LayerCard, SectionLayerSpec } from './sectionLayer';

export const VIRTUAL_STAIN: LayerCard = { role: 'virtual-stain', title: 'Virtual stain', key: 'V', label: 'Show the predicted fluorescence', help: 'Virtual stain on / off' };

/** The virtual-stain layer: the predicted fluorescence in the pane beside the section. */
export function virtualStain(panes: ViewerPanes, root: HTMLElement): SectionLayerSpec<string> {
  return {
    card: VIRTUAL_STAIN,
    load,
    loading: 'Predicting…',
    show: (url, sectionId) => {
      panes.showVirtualStain(url);
      root.dataset.virtualStainShown = String(sectionId);
      return 'Predicted from this section by the newest in-silico-labelling model.';
    },
    hide: () => panes.showVirtualStain(null),
    failed: (err) => (err instanceof Error ? err.message : String(err)),
  };
}

async function load(url: string): Promise<string> {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'image/png, application/json' } });
  if (!response.ok) {
    let detail = `HTTP ${response.status}`;
    try {
      detail = ((await response.json()) as { detail?: string }).detail ?? detail;
    } catch {
      /* not JSON: keep the status */
    }
    throw new Error(detail);
  }
  return URL.createObjectURL(await response.blob());
}
