/**
 * Entry point of the CellWeb bundle (app.js): which page module each
 * `config.module` names. Adding a page is one import and one row. The
 * development harness is a separate bundle (src/dev/), not a row here.
 */

import './styles/app.css';
import { start, type PageTable } from './boot';
import { mountAnnotator } from './modules/annotator';
import { mountImport } from './modules/import';
import { mountJob } from './modules/job';
import { mountCurve } from './modules/lcurve';
import { mountPrediction } from './modules/prediction';
import { mountReport } from './modules/report';
import { mountReview } from './modules/review';
import { mountStainShift } from './modules/stainShift';
import { mountViewer } from './modules/viewer';

export { MaskEditor } from './editor/MaskEditor';
export type { CellwebHandle } from './boot';

export const PAGES = {
  annotator: { mount: mountAnnotator },
  review: { mount: mountReview },
  viewer: { mount: mountViewer },
  job: { mount: mountJob },
  prediction: { mount: mountPrediction },
  lcurve: { mount: mountCurve },
  import: { mount: mountImport },
  report: { mount: mountReport, needsRoot: false },
  stainshift: { mount: mountStainShift, needsRoot: false },
} satisfies PageTable;

export type ModuleName = keyof typeof PAGES;

start(PAGES);
