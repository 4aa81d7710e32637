/** Shapes of the viewer's config (see frontend/README.md). */

import type { WindowConfig } from '../../components/WindowControl';

export interface ViewerSection {
  id: number | string;
  z: number;
  imageUrl: string;
  fluorescenceUrl?: string | null;
  width?: number;
  height?: number;
}

export interface ViewerConfig {
  module: 'viewer';
  specimen?: { name?: string; lab?: string } | null;
  timePoints?: { t: number; volumeId?: number | string; sections: ViewerSection[] }[];
  modality?: string;
  /** The channel names of a multi-channel label-free specimen (bright-field + phase); absent for one channel. */
  channels?: string[] | null;
  window?: WindowConfig | null;
  /** Optional display window for the fluorescence images (same shape as `window`). */
  fluorescenceWindow?: WindowConfig | null;
  annotateUrlTemplate?: string | null;
  /** The active model's nuclei on a section, `{id}` = section id (the contour toggle). */
  nucleiUrlTemplate?: string | null;
  /** The predicted stain of a section (in-silico labelling), `{id}` = section id. */
  virtualStainUrlTemplate?: string | null;
  width?: number;
  height?: number;
}

/** Fluorescence: not shown, in a second pane beside the section, or tinted over it. */
export type FluorMode = 'off' | 'side' | 'overlay';
