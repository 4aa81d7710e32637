/**
 * Entry point of the development bundle (harness.js, built by `npm run build`
 * into frontend/harness-build/): the mask editor harness page, and nothing
 * the production app.js needs. Served by bench/canvas.py and frontend/harness.html.
 */

import '../styles/app.css';
import { start } from '../boot';
import { mountHarness } from './harness';

export { MaskEditor } from '../editor/MaskEditor';

start({ harness: { mount: mountHarness } });
