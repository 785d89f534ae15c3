// The lazy chunks of the script-tag build (scripts/build-sdk.js), for every esbuild build that
// must treat them as such: the build itself, size-limit (.size-limit.js) and the SDK benchmark.
// An IIFE cannot code-split, so each `import('…')` of a chunk's entry becomes an import of the
// separately built file: a dynamic import in a classic script resolves against the script's own
// URL, so the chunk loads from wherever tagwise.js was served (same origin: fine under
// `script-src 'self'`), and only when it is needed.

/** Entry module → the file the script-tag build loads it from. */
export const LAZY_CHUNKS = {
  // web-vitals and its glue, when vitals are on.
  'vitals-chunk.ts': './tagwise-vitals.js',
  // The device plan, computed on the device only for inline rules or an older collector.
  'device-plan.ts': './tagwise-plan.js',
  // The rare features (rules/device/rare-names.ts), only for rules whose device tags use one.
  'rare-chunk.ts': './tagwise-rare.js',
  // Showing and hiding elements by tag, only on pages with a `data-tw-show-if`/`-hide-if` element.
  'show-hide-chunk.ts': './tagwise-personalize.js',
}

/** The esbuild plugin that points the dynamic imports of the chunks' entries at their files. */
export const lazyChunks = {
  name: 'lazy-chunks',
  setup(b) {
    b.onResolve({ filter: /(vitals-chunk|device-plan|rare-chunk|show-hide-chunk)\.ts$/ }, (args) =>
      args.kind === 'dynamic-import'
        ? { path: LAZY_CHUNKS[args.path.split('/').pop()], external: true }
        : undefined,
    )
  },
}
