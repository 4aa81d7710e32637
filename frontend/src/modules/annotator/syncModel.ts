/**
 * What the annotator's sync knows at any moment: the server's last answer about the annotation,
 * the edit counters (dirty = edits not yet saved), where the save state machine rests and its
 * last error, and the snapshot of all that the page renders. The transitions are the save loop
 * (saveLoop.ts) and, around it, load, submit, reopen and the conflict choices (sync.ts).
 */

import { serverFields } from './answers';
import type { AnnotationDto, AnnotationStatus, Phase, SaveAction, SyncState } from './types';

export abstract class SyncModel {
  revision: number | null = null;
  status: AnnotationStatus = null;
  canEdit = true;
  canReopen = false;
  updatedAt: string | null = null;
  conflict: AnnotationDto | null = null;
  reopenRefused: string | null = null;
  lastSavedAt: number | null = null;
  error: string | null = null;
  retryStatus: number | null = null;
  phase: Phase = 'loading';

  protected editSeq = 0;
  protected savedSeq = 0;
  protected pendingAction: SaveAction = 'save';

  constructor(
    private readonly readOnly: boolean,
    private readonly listener: (s: SyncState) => void,
  ) {}

  /** When the waiting retry fires, or null. */
  abstract get retryAt(): number | null;

  get dirty(): boolean {
    return this.editSeq !== this.savedSeq;
  }

  get editable(): boolean {
    return !this.readOnly && this.canEdit && this.status !== 'submitted';
  }

  /** Where the state machine rests when nothing is pending. */
  protected get settledPhase(): Phase {
    return this.editable ? 'clean' : 'locked';
  }

  state(): SyncState {
    return {
      phase: this.phase,
      dirty: this.dirty,
      revision: this.revision,
      status: this.status,
      canEdit: this.canEdit,
      canReopen: this.canReopen,
      editable: this.editable,
      lastSavedAt: this.lastSavedAt,
      retryAt: this.retryAt,
      error: this.error,
      retryStatus: this.phase === 'offline' ? this.retryStatus : null,
      conflict: this.conflict,
      reopenRefused: this.reopenRefused,
      pendingSubmit: this.pendingAction === 'submit',
    };
  }

  /** The server copy is what the page holds now: nothing pending, nothing to report. */
  protected settleOn(dto: AnnotationDto): void {
    this.applyDto(dto);
    this.savedSeq = this.editSeq;
    this.pendingAction = 'save';
    this.error = null;
    this.phase = this.settledPhase;
    this.emit();
  }

  protected applyDto(dto: AnnotationDto): void {
    Object.assign(this, serverFields(dto));
  }

  protected emit(): void {
    this.listener(this.state());
  }
}
