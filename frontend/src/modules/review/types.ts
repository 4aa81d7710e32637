/** Shapes of the review page's config (see frontend/README.md). */

import type { WindowConfig } from '../../components/WindowControl';
import type { LabelSetConfig, SectionConfig } from '../annotator/types';

export interface ReviewAnnotation {
  annotator: string;
  revision?: number;
  colour?: string;
  mask_png: string;
  /** The mask with touching objects one pixel apart, for its contour (labelled masks only). */
  outline_png?: string | null;
  /** This revision answers a reviewer's send-back. */
  response?: { reviewer: string; comment: string; at: string } | null;
  /** Set when its annotator has left the project: why it still counts and cannot be sent back. */
  left_project?: string | null;
}

export interface ReviewConfig {
  module: 'review';
  csrfToken?: string;
  section: SectionConfig;
  window?: WindowConfig | null;
  neighbours?: { prev?: { imageUrl: string } | null; next?: { imageUrl: string } | null } | null;
  annotations?: ReviewAnnotation[];
  /** The project's label set; a `labelled` proposal is edited with it (classes, instances, cut). */
  labels?: LabelSetConfig | null;
  /** `labelled`: the consensus holds label classes or instances (not a binary mask). */
  consensus?: { method?: string; mask_png: string; id: number | string; labelled?: boolean; outline_png?: string | null } | null;
  /** What the proposal to confirm is called on this page (default "consensus"). */
  proposalName?: string;
  /** False where the proposal does not come from annotators (no agreement, send back or exclude). */
  annotatorTools?: boolean;
  disagreement_png?: string | null;
  agreement?: {
    mean_dice?: number | null;
    mean_jaccard?: number | null;
    pairs?: { a: string; b: string; dice?: number | null; jaccard?: number | null }[];
    /** Per label class (absent for a one-class binary section). */
    classes?: { value: number; name: string; kind: string; mean_dice: number; instances?: { mean_f1: number; kept: number; found: number } }[];
    worst_class?: { value: number; name: string; mean_dice: number } | null;
  } | null;
  /** Nuclei only a minority of the annotators found (not in the consensus), as one mask. */
  minority?: {
    mask_png: string;
    nuclei?: { class_name: string; found_by: number; of: number; annotators: Record<string, number>; x: number | null; y: number | null; pixels: number }[];
  } | null;
  groundTruth?: { version: number; mask_png?: string | null; stale?: boolean } | null;
  /** An expert's mask imported as the section's ground truth (import_masks): its own layer. */
  importedTruth?: {
    label?: string;
    version: number;
    /** Instance ids of the import in this section; null for a mask imported as a class map. */
    nuclei?: number | null;
    imported_by?: string | null;
    imported_at?: string;
    mask_png: string;
    outline_png?: string | null;
    /** The project asks annotators to draw these sections too. */
    in_queue?: boolean;
    /** The imported file's name, when the import recorded it. */
    file?: string | null;
  } | null;
  fluorescence?: { imageUrl: string } | null;
  /** Set when the section is scored against an imported mask and has no consensus: the
   * Decision card says so and shows no Confirm (decision.ts). */
  decisionNote?: string | null;
  /** Set when every annotator has left the project: why there is no Send back. */
  sendBackNote?: string | null;
  actions?: { confirm?: string; sendBack?: string; exclude?: string; include?: string };
  annotators?: string[];
  nextUrl?: string | null;
  auditUrl?: string | null;
  /** The section's status when the page was rendered (SectionStatus). */
  status?: string;
}

/** Annotator contour colours, in config order, when the config gives none. */
export const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe', '#008080'];

export function annotatorColour(cfg: ReviewConfig, index: number): string {
  return cfg.annotations?.[index]?.colour ?? PALETTE[index % PALETTE.length]!;
}
