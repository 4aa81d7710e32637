/**
 * A job page's cancel control, the same on every job page (training, evaluation, prediction,
 * learning curve, import): a button while the job may be cancelled, then the question with an
 * optional reason (cancelAsk.ts), then the request. After the request it says "Cancelling…"
 * until the page reports the job ended; a refused request brings the button back.
 */

import { ApiError, postJson } from '../../lib/api';
import { button, h, setChildren } from '../../lib/dom';
import { icons } from '../../lib/icons';
import { cancelAsk } from './cancelAsk';

export interface CancelControlOptions {
  /** The job's cancel endpoint. */
  url: string;
  /** The button's label, e.g. "Cancel job". */
  label: string;
  /** The question asked before cancelling, e.g. "Cancel this job?". */
  question: string;
  danger?: boolean;
  /** The server's answer to the cancel request. */
  onCancelled: (answer: unknown) => void;
  /** Why the request was refused (permission, already ended, network). */
  onError: (detail: string) => void;
}

type Step = 'hidden' | 'button' | 'asking' | 'sending';

export class CancelControl {
  readonly el = h('div', { class: 'cw-cancel' });
  private step: Step = 'hidden';

  constructor(private readonly opts: CancelControlOptions) {}

  /** The job's state changed: a button while it can be cancelled, nothing once it has ended.
   * A question being asked, or a request on its way, stays as it is. */
  update(cancellable: boolean): void {
    if (!cancellable) {
      this.step = 'hidden';
      this.el.replaceChildren();
    } else if (this.step === 'hidden') {
      this.showButton();
    }
  }

  private showButton(): void {
    this.step = 'button';
    const variant = this.opts.danger ? 'danger' : 'default';
    setChildren(this.el, button(this.opts.label, { icon: icons.stop, variant, small: true, onClick: () => this.ask() }));
  }

  private ask(): void {
    this.step = 'asking';
    const ask = cancelAsk({ question: this.opts.question, onYes: (body) => void this.send(body), onNo: () => this.showButton() });
    setChildren(this.el, ask.el);
    ask.focus();
  }

  private async send(body: { reason?: string }): Promise<void> {
    this.step = 'sending';
    setChildren(this.el, h('span', { class: 'cw-muted' }, 'Cancelling…'));
    try {
      this.opts.onCancelled(await postJson<unknown>(this.opts.url, body));
    } catch (err) {
      this.showButton();
      this.opts.onError(err instanceof ApiError ? err.detail : String(err));
    }
  }
}
