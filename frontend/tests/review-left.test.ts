import { describe, expect, it } from 'vitest';
import { leftProject } from '../src/modules/review/decision';
import type { ReviewConfig } from '../src/modules/review/types';

describe('annotators who left the project, on the review page', () => {
  it('are named with why they cannot be sent the section back; the others are not', () => {
    const said = 'carol is no longer an annotator of this project: …';
    const cfg: ReviewConfig = {
      module: 'review',
      section: { id: 1, width: 8, height: 8, imageUrl: '/x.png' },
      annotations: [
        { annotator: 'alice', mask_png: '', left_project: null },
        { annotator: 'bob', mask_png: '' },
        { annotator: 'carol', mask_png: '', left_project: said },
      ],
    };
    expect(leftProject(cfg)).toEqual({ carol: said });
    expect(leftProject({ ...cfg, annotations: undefined })).toEqual({});
  });
});
