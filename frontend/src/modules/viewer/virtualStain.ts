/**
 * The viewer's virtual stain: the fluorescence an in-silico-labelling model
 * predicts for the shown section (stained or not), fetched per section as a
 * PNG and kept as an object URL while the page is open. A refusal (no such
 * model yet, a fluorescence section) comes back as the server's reason.
 */

export class VirtualStainSource {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly template: string) {}

  get(sectionId: number | string): Promise<string> {
    const url = this.template.replace('{id}', encodeURIComponent(String(sectionId)));
    let found = this.cache.get(url);
    if (!found) {
      found = load(url);
      found.catch(() => this.cache.delete(url));
      this.cache.set(url, found);
    }
    return found;
  }
}

async function load(url: string): Promise<string> {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'image/png, application/json' } });
  if (!response.ok) {
    let detail = `HTTP ${response.status}`;
    try {
      detail = ((await response.json()) as { detail?: string }).detail ?? detail;
    } catch {
      /* not JSON: keep the status */
    }
    throw new Error(detail);
  }
  return URL.createObjectURL(await response.blob());
}
