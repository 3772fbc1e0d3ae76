import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const dashboardRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * Writes `<file>.br` (quality 11) and `<file>.gz` beside each text file of the build: api/static.ts
 * serves them as they are, so no request waits for brotli's best (and slowest) level.
 */
function precompress(): Plugin {
  return {
    name: 'vigil-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(?:js|css|html|svg|json)$/.test(fileName)) continue;
        const file = path.join(options.dir!, fileName);
        const bytes = fs.readFileSync(file);
        if (bytes.length < 1024) continue;
        fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
        fs.writeFileSync(`${file}.gz`, zlib.gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

/** Builds the dashboard into dist/dashboard/, which api/ serves at `/`. */
export default defineConfig({
  root: dashboardRoot,
  base: '/',
  // No @preact/preset-vite: Oxc's automatic JSX runtime pointed at preact is all the app needs.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [precompress()],
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
  // `vite --config dashboard/vite.config.ts` during development: API calls go to a running `vigil serve`.
  server: { proxy: { '/api': process.env.VIGIL_API_URL ?? 'http://127.0.0.1:8080' } },
});
