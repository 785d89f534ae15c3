// The lazy chunks of the script-tag build (scripts/build-sdk.js), for every esbuild build that
// must treat them as such: the build itself, the static site (scripts/build-site.js), size-limit
// (.size-limit.js) and the SDK benchmark. An IIFE cannot code-split, so each `import('…')` of a
// chunk's entry becomes an import of the separately built file, only when it is needed, from
// wherever tagwise.js was served: the script's own URL (`importFromScriptUrl`), so a site's CSP
// needs only the collector's origin and a versioned script (/sdk/<version>/) loads its own chunks.
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

/** How esbuild and Terser write the imports of the chunks (the files of `LAZY_CHUNKS`). */
const CHUNK_IMPORT = /\bimport\("(\.\/tagwise-[\w-]+\.js)"\)/g

/**
 * The script-tag build's code, with its chunks imported by absolute URL, resolved against the
 * script's own URL (`document.currentScript` while it runs; the page's without one). A
 * relative `import('./tagwise-rare.js')` would resolve against the script's URL only when the
 * script is CORS-same-origin: loaded from another origin without `crossorigin` (how most sites
 * paste a tag), its base URL is about:blank (the HTML spec, for scripts whose errors are muted)
 * and every chunk fails ("Failed to resolve module specifier"). Returns the statements to put in
 * the script's IIFE; throws if an import of a chunk was not found (the emitted form changed).
 */
export function importFromScriptUrl(code) {
  const found = new Set()
  const body = code.replace(CHUNK_IMPORT, (_, file) => {
    found.add(file)
    return `import(chunkUrl("${file}"))`
  })
  const missing = [...fileOf.values()].filter((file) => !found.has(file))
  if (missing.length) throw new Error(`no import of ${missing.join(', ')} found in tagwise.js`)
  return `const scriptUrl=document.currentScript?.src||location.href,chunkUrl=(file)=>new URL(file,scriptUrl).href;${body}`
}
