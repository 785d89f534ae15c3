// Builds the browser SDK:
// - dist/sdk.js: ESM for bundlers (`import { createTagwise } from 'tagwise'`); idb-keyval and
//   web-vitals stay imports, so the app's bundler dedupes them, and the lazy parts
//   (sdk/browser/vitals-chunk.ts, web-vitals' only importer; the device plan; the rare features;
//   showing and hiding by tag) are chunks the app's bundler keeps lazy.
// - dist/tagwise.js: the script-tag build (IIFE, minified, served by the collector at /tagwise.js)
//   and its lazy chunks, each built on its own (scripts/lazy-chunks.js says which and when each
//   loads).
import { rm } from 'node:fs/promises'
import { build } from 'esbuild'
import { LAZY_CHUNKS, importFromScriptUrl, lazyChunks } from './lazy-chunks.js'
import { buildMinified } from './minify.js'

const common = {
  bundle: true,
  target: 'es2020',
  logLevel: 'warning',
  legalComments: 'none',
}

export async function buildSdk() {
  // Chunk names carry a content hash: without this, every earlier build's chunks would stay (and
  // ship in the npm package).
  await rm('dist/chunks', { recursive: true, force: true })
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
        entryPoints: ['sdk/browser/global.ts'],
        format: 'esm',
        platform: 'browser',
        plugins: [lazyChunks],
      },
      'dist/tagwise.js',
      { wrap: (code) => `(()=>{"use strict";${importFromScriptUrl(code)}})();\n` },
    ),
    ...LAZY_CHUNKS.map(({ entry, file }) =>
      buildMinified(
        { ...common, entryPoints: [entry], format: 'esm', platform: 'browser' },
        `dist/${file}`,
      ),
    ),
  ])
}

if (import.meta.url === `file://${process.argv[1]}`) await buildSdk()
