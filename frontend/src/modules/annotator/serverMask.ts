/**
 * Which changes of the annotator's editor are edits to save: every change the user makes marks
 * the sync (sync.ts) dirty; a server copy put into the editor (on load, "Load newer", back to the
 * saved annotation) is what the server holds already, so it marks nothing.
 */

import type { MaskEditor } from '../../editor/MaskEditor';
import type { AnnotationSync } from './sync';
import type { AnnotationDto } from './types';

export class ServerMask {
  private suppressChange = 0;

  constructor(
    private readonly editor: MaskEditor,
    private readonly sync: AnnotationSync,
  ) {
    editor.addEventListener('change', () => {
      if (this.suppressChange === 0) sync.markDirty();
    });
  }

  /** Puts a server copy into the editor without it counting as an edit to save. */
  show(put: () => void): void {
    this.suppressChange++;
    try {
      put();
    } finally {
      this.suppressChange--;
    }
  }

  /** Puts the server copy into the editor (`label`: as an undo step) and settles the sync on it. */
  take(dto: AnnotationDto, label?: string): void {
    this.show(() => {
      const opts = { record: label !== undefined, label };
      if (dto.mask_png) this.editor.fromPngBase64(dto.mask_png, opts);
      else this.editor.setMask(new Uint8Array(this.editor.width * this.editor.height), opts);
    });
    this.sync.acceptServer(dto);
  }
}
