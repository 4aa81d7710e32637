/**
 * The work queue seen from the annotate page. Handing a section out records an offer on the
 * server, so "Next section" (its link, and N) and Skip POST to the queue and then open the
 * section it answers. The queue page itself (`nextUrl`, a GET that writes nothing) is where the
 * browser lands when nothing is left, and what the link opens in a new tab.
 */

import { ApiError, request } from '../../lib/api';
import type { AnnotationSync } from './sync';
import type { AnnotatorConfig } from './types';

/** POST the hand-out (`?skip=` for Skip) and open the section it names; the queue page on 204. */
export async function openNextSection(handOutUrl: string, queueUrl: string | null | undefined): Promise<void> {
  const next = await request<{ url?: string } | null>('POST', handOutUrl);
  window.location.href = next?.url ?? queueUrl ?? '/';
}

/** A plain click on `link` runs `go` instead of following it; other clicks (new tab) follow it. */
export function interceptPlainClick(link: HTMLAnchorElement, go: () => void): HTMLAnchorElement {
  link.addEventListener('click', (ev) => {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    go();
  });
  return link;
}

/** Skip and Next section of the annotate page; what goes wrong is said by `toast`. */
export class QueueMoves {
  constructor(
    private readonly cfg: Pick<AnnotatorConfig, 'skipUrl' | 'nextApiUrl' | 'nextUrl'>,
    private readonly sync: Pick<AnnotationSync, 'saveAll' | 'conflict'>,
    private readonly toast: (text: string, ms: number) => void,
  ) {}

  /** Skip: the section goes to the back of the queue (a draft is saved first) and the next opens. */
  async skip(): Promise<void> {
    if (this.cfg.skipUrl) await this.advance(this.cfg.skipUrl, 'skip', true);
  }

  /** Next section (after submitting): the queue hands one out, then it opens. */
  async next(): Promise<void> {
    if (this.cfg.nextApiUrl) await this.advance(this.cfg.nextApiUrl, 'open the next section', false);
    else if (this.cfg.nextUrl) window.location.href = this.cfg.nextUrl;
  }

  private async advance(handOutUrl: string, what: string, saveFirst: boolean): Promise<void> {
    try {
      // A failed save (offline, 5xx, 409) would leave the edits only in this browser: stay.
      if (saveFirst && !(await this.sync.saveAll())) {
        this.toast(`Not skipped: your edits are not saved yet — ${this.sync.conflict ? 'resolve the conflict first' : 'see the save card'}`, 6000);
        return;
      }
      await openNextSection(handOutUrl, this.cfg.nextUrl);
    } catch (err) {
      this.toast(`Could not ${what}: ${err instanceof ApiError ? err.detail : String(err)}`, 5000);
    }
  }
}
