import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Two bundles from one config. The default mode builds the application
 * (app.js, app.css) that Django serves from a fixed path the templates
 * reference, so the names carry no content hashes. `--mode harness` builds the
 * development harness (harness.js, harness.css) into frontend/harness-build/,
 * outside the static files, so the production bundle never contains it.
 */
export default defineConfig(({ mode }) => {
  const harness = mode === 'harness';
  const name = harness ? 'harness' : 'app';
  return {
    publicDir: false,
    build: {
      outDir: harness ? resolve(here, 'harness-build') : resolve(here, '../cellweb/static/cellweb/build'),
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      cssCodeSplit: false,
      minify: 'oxc',
      rolldownOptions: {
        // This is an application bundle, not a library for other bundlers:
        // minify fully and keep everything in the one file the page loads.
        output: { minify: true, codeSplitting: false },
      },
      lib: {
        entry: resolve(here, harness ? 'src/dev/main.ts' : 'src/main.ts'),
        formats: ['es'],
        fileName: () => `${name}.js`,
        cssFileName: name,
      },
    },
    test: {
      environment: 'node',
      include: ['tests/**/*.test.ts'],
    },
  };
});
