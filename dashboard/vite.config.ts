import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const dashboardRoot = fileURLToPath(new URL('.', import.meta.url));

/** Builds the dashboard into dist/dashboard/, which api/ serves at `/`. */
export default defineConfig({
  root: dashboardRoot,
  base: '/',
  // No @preact/preset-vite: Oxc's automatic JSX runtime pointed at preact is all the app needs.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
  // `vite --config dashboard/vite.config.ts` during development: API calls go to a running `vigil serve`.
  server: { proxy: { '/api': process.env.VIGIL_API_URL ?? 'http://127.0.0.1:8080' } },
});
