// Builds the browser SDK:
// - dist/sdk.js: ESM for bundlers (`import { createTagwise } from 'tagwise'`); idb-keyval and
//   web-vitals stay imports, so the app's bundler dedupes them and splits `import('web-vitals')`.
// - dist/tagwise.js: the script-tag build (IIFE, minified, served by the collector at /tagwise.js)
//   and dist/tagwise-vitals.js: web-vitals as an ES module. An IIFE cannot code-split, so the
//   IIFE's `import('web-vitals')` is rewritten to `import('./tagwise-vitals.js')`: a dynamic import
//   in a classic script resolves against the script's own URL, so the chunk loads from wherever
//   tagwise.js was served (same origin: fine under `script-src 'self'`), only when vitals are on.
import { build } from 'esbuild'
import { DEVICE_DEFINE } from './device-define.js'

const VITALS_CHUNK = './tagwise-vitals.js'
const common = {
  bundle: true,
  target: 'es2020',
  logLevel: 'warning',
  legalComments: 'none',
  define: DEVICE_DEFINE,
}

/** Points the lazy `import('web-vitals')` at the separately built chunk. */
const vitalsChunk = {
  name: 'vitals-chunk',
  setup(b) {
    b.onResolve({ filter: /^web-vitals$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: VITALS_CHUNK, external: true } : undefined,
    )
  },
}

export async function buildSdk() {
  await Promise.all([
    build({
      ...common,
      entryPoints: ['sdk/index.ts'],
      outfile: 'dist/sdk.js',
      format: 'esm',
      platform: 'browser',
      external: ['idb-keyval', 'web-vitals'],
    }),
    build({
      ...common,
      entryPoints: ['sdk/global.ts'],
      outfile: 'dist/tagwise.js',
      format: 'iife',
      platform: 'browser',
      minify: true,
      plugins: [vitalsChunk],
    }),
    build({
      ...common,
      stdin: {
        contents: "export { onCLS, onINP, onLCP, onTTFB } from 'web-vitals'",
        resolveDir: '.',
      },
      outfile: 'dist/tagwise-vitals.js',
      format: 'esm',
      platform: 'browser',
      minify: true,
    }),
  ])
}

if (import.meta.url === `file://${process.argv[1]}`) await buildSdk()
