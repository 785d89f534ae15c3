// The lazy chunks of the script-tag build (scripts/build-sdk.js), for every esbuild build that
// must treat them as such: the build itself, the static site (scripts/build-site.js), size-limit
// (.size-limit.js) and the SDK benchmark. An IIFE cannot code-split, so each `import('…')` of a
// chunk's entry becomes an import of the separately built file: a dynamic import in a classic
// script resolves against the script's own URL, so the chunk loads from wherever tagwise.js was
// served (same origin: fine under `script-src 'self'`), and only when it is needed.
import { basename } from 'node:path'

/** Each chunk: its entry module, the file the script-tag build loads it from, and when it does. */
export const LAZY_CHUNKS = [
  // web-vitals and its glue, when vitals are on.
  { entry: 'sdk/browser/vitals-chunk.ts', file: 'tagwise-vitals.js' },
  // The device plan, computed on the device only for inline rules or an older collector.
  { entry: 'rules/device/device-plan.ts', file: 'tagwise-plan.js' },
  // The rare features (rules/device/rare-names.ts) and the explainer, only for rules whose device
  // tags use one, or the first `explain()`.
  { entry: 'rules/device/rare-chunk.ts', file: 'tagwise-rare.js' },
  // The search for when time-dependent device tags flip, only for rules that have them.
  { entry: 'rules/device/time-chunk.ts', file: 'tagwise-time.js' },
  // The upgrade of a device snapshot an earlier SDK stored: once per visitor, after an upgrade.
  { entry: 'rules/device/legacy-device-snapshot.ts', file: 'tagwise-legacy.js' },
  // Showing and hiding elements by tag, only on pages with a `data-tw-show-if`/`-hide-if` element.
  { entry: 'sdk/browser/show-hide-chunk.ts', file: 'tagwise-personalize.js' },
]

const fileOf = new Map(LAZY_CHUNKS.map(({ entry, file }) => [basename(entry), `./${file}`]))
const names = [...fileOf.keys()].map((name) => name.replace(/\./g, '\\.'))

/** The esbuild plugin that points the dynamic imports of the chunks' entries at their files. */
export const lazyChunks = {
  name: 'lazy-chunks',
  setup(b) {
    b.onResolve({ filter: new RegExp(`(^|/)(${names.join('|')})$`) }, (args) =>
      args.kind === 'dynamic-import'
        ? { path: fileOf.get(basename(args.path)), external: true }
        : undefined,
    )
  },
}
