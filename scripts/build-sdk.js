// Builds the browser SDK:
// - dist/sdk.js: ESM for bundlers (`import { createTagwise } from 'tagwise'`); idb-keyval and
//   web-vitals stay imports, so the app's bundler dedupes them, and sdk/capture/vitals-chunk.ts
//   (web-vitals' only importer) is a chunk the app's bundler keeps lazy.
// - dist/tagwise.js: the script-tag build (IIFE, minified, served by the collector at /tagwise.js)
//   and dist/tagwise-vitals.js: vitals-chunk.ts with web-vitals, as an ES module. An IIFE cannot
//   code-split, so the IIFE's `import('./vitals-chunk.ts')` is rewritten to
//   `import('./tagwise-vitals.js')`: a dynamic import in a classic script resolves against the
//   script's own URL, so the chunk loads from wherever tagwise.js was served (same origin: fine
//   under `script-src 'self'`), only when vitals are on.
//   The same for dist/tagwise-plan.js, the device plan (rules/device-plan.ts), loaded only when
//   the rules come inline or from a collector that did not send their plan.
import { build } from 'esbuild'
import { DEVICE_DEFINE } from './device-define.js'
import { buildMinified } from './minify.js'

const VITALS_CHUNK = './tagwise-vitals.js'
const common = {
  bundle: true,
  target: 'es2020',
  logLevel: 'warning',
  legalComments: 'none',
  define: DEVICE_DEFINE,
}

const PLAN_CHUNK = './tagwise-plan.js'

/**
 * Points the lazy `import('./vitals-chunk.ts')` (web-vitals and its glue) and
 * `import('../rules/device-plan.ts')` (the device plan, computed on the device only for inline
 * rules or an older collector) at the separately built chunks.
 */
const lazyChunks = {
  name: 'lazy-chunks',
  setup(b) {
    b.onResolve({ filter: /vitals-chunk\.ts$|device-plan\.ts$/ }, (args) =>
      args.kind === 'dynamic-import'
        ? {
            path: args.path.endsWith('vitals-chunk.ts') ? VITALS_CHUNK : PLAN_CHUNK,
            external: true,
          }
        : undefined,
    )
  },
}

export async function buildSdk() {
  await Promise.all([
    build({
      ...common,
      entryPoints: { sdk: 'sdk/index.ts' },
      outdir: 'dist',
      // The device plan and the vitals glue become chunks of their own, which the app's bundler
      // keeps lazy.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      format: 'esm',
      platform: 'browser',
      external: ['idb-keyval', 'web-vitals'],
    }),
    // An IIFE written by hand around an ES module build: esbuild's own IIFE format adds its
    // CommonJS interop helpers (≈ 0.7 KB min, never called) as soon as a dynamic import is
    // external. The entry has no exports, so the module body is the whole script.
    buildMinified(
      {
        ...common,
        entryPoints: ['sdk/global.ts'],
        format: 'esm',
        platform: 'browser',
        plugins: [lazyChunks],
      },
      'dist/tagwise.js',
      { wrap: (code) => `(()=>{"use strict";${code}})();\n` },
    ),
    buildMinified(
      {
        ...common,
        entryPoints: ['sdk/capture/vitals-chunk.ts'],
        format: 'esm',
        platform: 'browser',
      },
      'dist/tagwise-vitals.js',
    ),
    buildMinified(
      { ...common, entryPoints: ['rules/device-plan.ts'], format: 'esm', platform: 'browser' },
      'dist/tagwise-plan.js',
    ),
  ])
}

if (import.meta.url === `file://${process.argv[1]}`) await buildSdk()
