import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = dirname(fileURLToPath(import.meta.url));

// Django serves the bundle from a fixed path that the templates reference
// directly, so the output names must not carry content hashes.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: resolve(here, '../cellweb/static/cellweb/build'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    cssCodeSplit: false,
    minify: 'oxc',
    rolldownOptions: {
      // This is an application bundle, not a library for other bundlers:
      // minify fully and keep everything in the one file the templates load.
      output: { minify: true, codeSplitting: false },
    },
    lib: {
      entry: resolve(here, 'src/main.ts'),
      formats: ['es'],
      fileName: () => 'app.js',
      cssFileName: 'app',
    },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
  },
});
