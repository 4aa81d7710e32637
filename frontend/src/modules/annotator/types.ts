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
}

export interface LocalBackup {
  v: 1;
  sectionId: number | string;
  savedAt: number;
  baseRevision: number | null;
  maskPng: string;
}
