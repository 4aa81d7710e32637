import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rolldown } from 'vite';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds one bundle of vite.config.ts in memory, as `npm run build` would, and returns its JavaScript. */
async function bundle(mode: 'production' | 'harness'): Promise<Map<string, string>> {
  const result = await build({ configFile: resolve(here, '../vite.config.ts'), mode, logLevel: 'silent', build: { write: false, sourcemap: false } });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const files = new Map<string, string>();
  for (const out of outputs) for (const f of out.output) files.set(f.fileName, f.type === 'chunk' ? f.code : String(f.source));
  return files;
}

describe('bundles', () => {
  it('keeps the development harness out of the production app.js', async () => {
    const app = await bundle('production');
    expect([...app.keys()].sort()).toEqual(['app.css', 'app.js']);
    const js = app.get('app.js')!;
    // Every production page is in the page table ...
    for (const page of ['annotator', 'review', 'viewer', 'job', 'import', 'report']) expect(js).toContain(page);
    // ... and nothing of the harness: not its page name, its title or its synthetic section.
    expect(js).not.toMatch(/harness/i);
    expect(js).not.toContain('synthetic section');
    expect(app.get('app.css')).not.toMatch(/harness/i);
  }, 60_000);

  it('builds the harness as its own bundle', async () => {
    const dev = await bundle('harness');
    expect([...dev.keys()].sort()).toEqual(['harness.css', 'harness.js']);
    const js = dev.get('harness.js')!;
    expect(js).toMatch(/harness/);
    expect(js).toContain('synthetic section');
    expect(js).not.toContain('annotationUrl');
  }, 60_000);
});
