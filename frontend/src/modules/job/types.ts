/**
 * The shapes of a live job page: its state, the server's snapshot and the
 * events that follow it. Every event comes in one envelope,
 * `{kind, id, seq, type, ...}`; training events about one fold carry `fold`,
 * the events of a job without folds (an evaluation) carry none.
 */

export type Status = string;

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'canceled', 'error']);

export interface EpochPoint {
  epoch: number;
  train_loss?: number | null;
  val_loss?: number | null;
  val_dice?: number | null;
  /** In-silico labelling: the stain's Pearson correlation on the held-out sections. */
  val_pcc?: number | null;
  /** Several classes: each class's validation Dice, in the job's class order. */
  val_per_class_dice?: (number | null)[] | null;
}

export interface FoldState {
  index: number;
  /** Display name from the server (e.g. "fold 1", "final model"), if any. */
  label: string | null;
  /** "cv" for cross-validation folds, "final" for a model trained on everything, … */
  kind: string | null;
  status: Status;
  worker: string | null;
  device: string | null;
  /** Epochs completed. */
  completed: number | null;
  /** Fraction (0..1) of the running epoch that is done. */
  epochFraction: number;
  /** Server-computed fraction of the whole fold, when the snapshot has one; cleared by newer events. */
  serverProgress: number | null;
  epochs: number | null;
  batch: number | null;
  batches: number | null;
  etaS: number | null;
  /** Client time (ms) at which etaS was reported, to count it down between events. */
  etaAt: number | null;
  loss: number | null;
  error: string | null;
  specimensTrain: string[];
  specimensVal: string[];
  history: EpochPoint[];
  /** Batch-level training loss: [x in epochs, loss]. */
  batchLoss: [number, number][];
}

export interface MetricSummary {
  /** What people read for the metric key ("F0.5" for f05). */
  label?: string;
  mean?: number | null;
  std?: number | null;
  per_fold?: (number | null)[];
}

/** The summary over one subset of held-out sections (all of them, those with a nucleus). */
export interface SubsetSummary {
  label?: string;
  sections?: (number | null)[];
  metrics?: Record<string, MetricSummary>;
}

/** The folds' held-out nuclei: object precision, recall, F1 (IoU > 0.5) and mAP per fold. */
export interface ObjectsSummary {
  metrics?: Record<string, MetricSummary>;
  aggregation?: string;
  nuclei?: (number | null)[];
  pred_instances?: string;
  gt_instances?: string;
}

export interface JobSummary {
  metrics?: Record<string, MetricSummary>;
  /** How each number was aggregated, in words; the same words as the evaluation report's. */
  aggregation?: string;
  subsets?: Record<string, SubsetSummary>;
  nucleus_definition?: string;
  /** Absent for jobs trained before nuclei were scored. */
  objects?: ObjectsSummary;
  [k: string]: unknown;
}

export interface JobState {
  id: number | string | null;
  status: Status;
  createdAt: string | null;
  config: Record<string, unknown> | null;
  estimateS: number | null;
  folds: FoldState[];
  summary: JobSummary | null;
  lastSeq: number;
  hasSnapshot: boolean;
  /** "Cancelled by … at … — reason" (or "Cancel requested by …"); null when nobody asked. */
  cancelNote: string | null;
}

export interface SnapshotFold {
  index: number;
  status?: Status;
  worker?: string | null;
  device?: string | null;
  epoch?: number | null;
  epochs?: number | null;
  batch?: number | null;
  batches?: number | null;
  progress?: number | null;
  eta_s?: number | null;
  error?: string | null;
  loss?: number | null;
  label?: string | null;
  kind?: string | null;
  specimens_train?: unknown[];
  specimens_val?: unknown[];
  history?: EpochPoint[];
}

export interface JobSnapshot {
  id?: number | string;
  status?: Status;
  created_at?: string | null;
  config?: Record<string, unknown> | null;
  estimate_s?: number | null;
  folds?: SnapshotFold[];
  summary?: JobSummary | null;
  cancel_note?: string | null;
  seq?: number;
}

export type JobMessage =
  | { type: 'snapshot'; job: JobSnapshot; seq?: number }
  | { type: 'progress'; fold?: number | null; progress?: number | null; message?: string | null; epoch?: number; epochs?: number; batch?: number; batches?: number; eta_s?: number | null; loss?: number | null; seq?: number }
  | { type: 'epoch'; fold?: number | null; epoch: number; train_loss?: number | null; val_loss?: number | null; val_dice?: number | null; val_pcc?: number | null; val_per_class_dice?: (number | null)[] | null; seq?: number }
  | { type: 'fold_status'; fold?: number | null; status: Status; worker?: string | null; device?: string | null; error?: string | null; seq?: number }
  | { type: 'job_status'; status: Status; summary?: JobSummary | null; cancel_note?: string | null; seq?: number }
  | { type: string; seq?: number; [k: string]: unknown };

