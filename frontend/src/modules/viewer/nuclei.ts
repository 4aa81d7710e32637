/**
 * The viewer's "model contours": the active model's predicted nuclei on the
 * shown section, one outline colour per tracked nucleus (the same colour at
 * every time point), fetched per section (sectionLayer.ts).
 */

import type { MaskEditor, Overlay } from '../../editor/MaskEditor';
import { getJson } from '../../lib/api';
import type { LayerCard, SectionLayerSpec } from './sectionLayer';

export interface SectionNuclei {
  prediction: number | null;
  model_version: number | null;
  nuclei: { id: number; colour: string; contours: number[][][] }[];
}

export const NUCLEI_OVERLAY_PREFIX = 'nucleus-';

/** One overlay per nucleus; the names say which nucleus it is. */
export function nucleiOverlays(found: SectionNuclei): Overlay[] {
  return found.nuclei.map((n) => ({ name: `${NUCLEI_OVERLAY_PREFIX}${n.id}`, colour: n.colour, contours: n.contours, lineWidth: 2 }));
}

export function nucleiCaption(found: SectionNuclei | null): string {
  if (!found) return 'Loading…';
  if (found.prediction === null) return 'No prediction of the active model for this time point.';
  const n = found.nuclei.length;
  return `${n} nucle${n === 1 ? 'us' : 'i'} on this section · prediction ${found.prediction}`;
}

export const MODEL_CONTOURS: LayerCard = { role: 'model-contours', title: 'Model contours', key: 'M', label: "Show the active model's nuclei", help: "Active model's contours on / off" };

/** The model-contours layer: a section's nuclei as overlays of the section's editor. */
export function modelContours(editor: () => MaskEditor | null, root: HTMLElement): SectionLayerSpec<SectionNuclei> {
  return {
    card: MODEL_CONTOURS,
    load: (url) => getJson<SectionNuclei>(url),
    loading: nucleiCaption(null),
    show: (found) => {
      editor()?.setOverlays(nucleiOverlays(found));
      root.dataset.modelNuclei = String(found.nuclei.length);
      return nucleiCaption(found);
    },
    hide: () => editor()?.setOverlays([]),
    failed: (err) => `The model contours could not be loaded (${String(err)}).`,
  };
}
