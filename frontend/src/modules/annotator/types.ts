/** Shapes of the annotator's config and of the annotation API (see frontend/README.md). */

import type { WindowConfig } from '../../components/WindowControl';
import type { Transport } from '../../lib/api';
import type { ActiveTime } from './activeTime';
import type { StorageLike } from './backup';

/** The section a page shows; the review page shares it. */
export interface SectionConfig {
  id: number | string;
  width: number;
  height: number;
  z?: number;
  nZ?: number;
  modality?: string;
  imageUrl: string;
  label?: string;
  /** The channel names of a multi-channel section (bright-field + phase); absent for one channel. */
  channels?: string[] | null;
}

export interface NeighbourConfig {
  id?: number | string;
  imageUrl: string;
  ownMaskUrl?: string;
}

export interface AnnotatorConfig {
  module: 'annotator';
  csrfToken?: string;
  section: SectionConfig;
  window?: WindowConfig | null;
  neighbours?: { prev?: NeighbourConfig | null; next?: NeighbourConfig | null } | null;
  fluorescence?: { imageUrl: string } | null;
  annotationUrl: string;
  /** The queue page (GET: progress and whether anything is left; writes nothing). */
  nextUrl?: string | null;
  /** POST: hand out the next section; answers it, or 204 when nothing is left. */
  nextApiUrl?: string | null;
  /** POST: skip this section (it comes back after the others); answers the next one, or 204. */
  skipUrl?: string | null;
  progressUrl?: string | null;
  readOnly?: boolean;
  colour?: string;
  /** The project's label set: the palette's classes, the painting rule and the set's version. */
  labels?: LabelSetConfig | null;
  /** The active model's proposal (the project offers it, or starts blank sections from it). */
  proposal?: ProposalConfig | null;
}

export interface LabelSetConfig {
  classes: { value: number; name: string; colour: string; shortcut?: string; kind: 'region' | 'instances' }[];
  paintRule: 'replace' | 'background';
  version: number;
}

export interface ProposalConfig {
  url: string;
  mode: 'offered' | 'start';
}

/** Where the saved mask started; sent with each save (left out: the server keeps the last). */
export interface SaveOrigin {
  origin: 'blank' | 'own_previous' | 'model';
  origin_model_version?: number | null;
  /** The proposal as loaded (base64 PNG): the submission's correction is measured against it. */
  proposal_png?: string;
}

export type AnnotationStatus = 'draft' | 'submitted' | null;

/** Shape of GET/PUT annotationUrl responses (and of `current` in a 409). */
export interface AnnotationDto {
  revision: number | null;
  status: AnnotationStatus;
  mask_png: string | null;
  width?: number;
  height?: number;
  time_spent_s?: number;
  can_edit?: boolean;
  can_reopen?: boolean;
  updated_at?: string | null;
  /** GET: the section is confirmed or excluded (who, when, why); nothing can be saved on it. */
  locked?: { code: string; detail: string } | null;
  /** PUT: once, the first save after a reviewer sent the section back naming this draft's author. */
  sent_back?: SentBackNews | null;
}

export interface SentBackNews {
  reviewer: string;
  comment: string;
  at: string;
  answered: boolean;
  /** The line the page shows (who, when, the comment, what it means now). */
  said: string;
}

/** A drawing that could not be saved (kept.ts): offered as a PNG to download, or to discard. */
export interface KeptDrawing {
  v: 1;
  sectionId: number | string;
  savedAt: number;
  /** The mask as the app saves it (base64 PNG). */
  maskPng: string;
  /** Why it could not be saved: who confirmed or excluded the section, when, why. */
  why: string;
}

export interface LocalBackup {
  v: 1;
  sectionId: number | string;
  savedAt: number;
  baseRevision: number | null;
  maskPng: string;
  /** The editor page that made the edits (its saves on top of its own are not conflicts). */
  session?: string;
}

/** Where the save state machine (saveLoop.ts, sync.ts) stands, as the page shows it. */
export type Phase = 'loading' | 'clean' | 'dirty' | 'saving' | 'offline' | 'conflict' | 'error' | 'locked';
export type SaveAction = 'save' | 'submit';

export interface SyncState {
  phase: Phase;
  dirty: boolean;
  revision: number | null;
  status: AnnotationStatus;
  canEdit: boolean;
  canReopen: boolean;
  editable: boolean;
  lastSavedAt: number | null;
  retryAt: number | null;
  error: string | null;
  /** While offline: the HTTP status the failed save got (5xx, 429), 0 when the server answered too late, null when no server was reached. */
  retryStatus: number | null;
  conflict: AnnotationDto | null;
  /** Why "Keep mine" could not reopen an annotation submitted in another tab or device, or null. */
  reopenRefused: string | null;
  pendingSubmit: boolean;
}

export interface LoadResult {
  dto: AnnotationDto;
  restored: LocalBackup | null;
  /** Drawings this browser kept that can no longer be saved (never restored by themselves). */
  kept: KeptDrawing[];
}

/** What the save state machine needs from the page; injected so it runs in unit tests. */
export interface SyncDeps {
  url: string;
  sectionId: number | string;
  transport: Transport;
  getMaskPng: () => string;
  getOrigin?: () => SaveOrigin | null;
  /** The label-set version the editor draws under (sent with each save; the server refuses masks drawn under changed classes). */
  labelSetVersion?: number;
  activeTime: Pick<ActiveTime, 'take' | 'giveBack'>;
  storage?: StorageLike | null;
  /** This tab's own storage (sessionStorage: kept over a reload of the tab, never shared with
   * another tab): which page id the tab last had, so that only a reload takes a backup's id back. */
  tabStorage?: StorageLike | null;
  now?: () => number;
  readOnly?: boolean;
  /** This editor page's id (a random one when left out), sent with every save. */
  session?: string;
  debounceMs?: number;
  maxIntervalMs?: number;
  maxBackoffS?: number;
  /** The retries' jitter (schedule.ts); Math.random when left out. */
  random?: () => number;
  backupDelayMs?: number;
}
