/**
 * The work queue seen from the annotate page. Handing a section out records an offer on the
 * server, so "Next section" (its link, and N) and Skip POST to the queue and then open the
 * section it answers. The queue page itself (`nextUrl`, a GET that writes nothing) is where the
 * browser lands when nothing is left, and what the link opens in a new tab.
 */

import { request } from '../../lib/api';

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
