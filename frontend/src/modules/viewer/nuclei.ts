/**
 * The viewer's "model contours": the active model's predicted nuclei on the
 * shown section, one outline colour per tracked nucleus (the same colour at
 * every time point), fetched per section and cached while the page is open.
 */

import type { Overlay } from '../../editor/MaskEditor';
import { getJson } from '../../lib/api';

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

export class NucleiSource {
  private readonly cache = new Map<string, Promise<SectionNuclei>>();

  constructor(private readonly template: string) {}

  get(sectionId: number | string): Promise<SectionNuclei> {
    const url = this.template.replace('{id}', encodeURIComponent(String(sectionId)));
    let found = this.cache.get(url);
    if (!found) {
      found = getJson<SectionNuclei>(url);
      found.catch(() => this.cache.delete(url));
      this.cache.set(url, found);
    }
    return found;
  }
}
