/**
 * The active model's proposal as a starting mask: a "Load model proposal" button (M), or
 * loaded on open for a blank section when the project starts from proposals. The origin it
 * sets (model + version, or own_previous after a copy) goes with every save, and with it the
 * proposal as loaded, so the server measures the correction against what the annotator saw.
 */

import type { MaskEditor } from '../../editor/MaskEditor';
import { button, card } from '../../lib/dom';
import { icons } from '../../lib/icons';
import type { ProposalConfig, SaveOrigin } from './types';

export class ProposalTools {
  readonly card: HTMLElement;
  private loading = false;

  constructor(
    private readonly cfg: ProposalConfig,
    private readonly editor: MaskEditor,
    private readonly editable: () => boolean,
    private readonly onLoaded: (origin: SaveOrigin) => void,
  ) {
    const btn = button('Load model proposal', { icon: icons.layers, kbd: 'M', small: true, onClick: () => void this.load() });
    btn.title = "Replace this mask with the active model's mask of the section (M). Undo restores.";
    btn.dataset.testid = 'load-proposal';
    this.card = card('Model proposal', null, btn);
  }

  get mode(): ProposalConfig['mode'] {
    return this.cfg.mode;
  }

  /** Fetches the proposal and puts it in the editor as one undoable edit; false when none came. */
  async load(opts: { quiet?: boolean } = {}): Promise<boolean> {
    if (!this.editable() || this.loading) return false;
    this.loading = true;
    try {
      const res = await fetch(this.cfg.url, { credentials: 'same-origin', headers: { Accept: 'image/png' } });
      if (!res.ok) {
        const detail = await res
          .json()
          .then((d: { detail?: string }) => d.detail)
          .catch(() => null);
        this.editor.showToast(`No model proposal: ${detail ?? `${res.status} ${res.statusText}`} — the mask starts blank`, 6000);
        return false;
      }
      const version = Number(res.headers.get('X-Model-Version'));
      const b64 = bytesToBase64(new Uint8Array(await res.arrayBuffer()));
      this.editor.fromPngBase64(b64, { record: true, label: 'Load model proposal' });
      this.onLoaded({ origin: 'model', origin_model_version: version, proposal_png: b64 });
      const how = opts.quiet ? 'Started from' : 'Loaded';
      this.editor.showToast(`${how} the proposal of model version ${version} — correct it, Ctrl+Z undoes`, 5000);
      return true;
    } catch (err) {
      this.editor.showToast(`Could not load the model proposal: ${String(err)}`, 5000);
      return false;
    } finally {
      this.loading = false;
    }
  }
}

function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
