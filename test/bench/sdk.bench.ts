// The browser SDK's main-thread cost (spec: sdk.md, "Size and speed"): the median time of one
// `track()` call with the example catalog (31 metrics, 24 tags, 10 of them on the device), against
// baselines in the same process: the engine alone doing the same work (`ingest` + device-scope
// `evaluate`), and `JSON.stringify` of the event (what any analytics SDK does at least once). Then
// each bundle's size, min+gzip, built as it ships.
//
// Method: `createTagwise` without a DOM (Node; memory storage, a fetch that acknowledges at once),
// so what is timed is the synchronous part of `track()` — everything the page waits for: event
// build, engine ingest and evaluation, tag diff, queueing. Rounds of 500 calls, alternating with the
// baselines; medians over rounds, per call. No assertions: it prints.
import { build, type BuildOptions } from 'esbuild'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import {
  devicePlan,
  loadDeviceRules,
  loadRules,
  type RulesDocument,
  type TagwiseEvent,
} from '../../rules/index.ts'
import { DEVICE_FEATURES } from '../../rules/device/index.ts'
import { unitFlips } from '../../rules/device/time-chunk.ts'
import { createTagwise } from '../../sdk/index.ts'
import { fmt, gc, median, table } from './harness.ts'
import { LAZY_CHUNKS, lazyChunks } from '../../scripts/lazy-chunks.js'

const catalog = JSON.parse(readFileSync('examples/rules/catalog.json', 'utf8')) as RulesDocument
const CALLS = 500
const ROUNDS = 30

const ack: typeof fetch = async (_url, init) => {
  const body = init?.body ? (JSON.parse(String(init.body)) as { batch?: unknown[] }) : {}
  return Response.json({
    success: true,
    accepted: body.batch?.length ?? 0,
    duplicates: 0,
    rejected: [],
    tags: {},
  })
}
const tw = createTagwise({
  writeKey: 'bench',
  endpoint: 'http://127.0.0.1:9',
  rules: catalog,
  storage: 'memory',
  vitals: false,
  fetch: ack,
})
await tw.ready

// The full engine (a baseline), with every feature, as the edge runs it.
const engine = loadRules(catalog)
const state = engine.createState({ maxMessageIds: 0 })
// As the SDK loads it for the catalog: its device tags need the time search (its own chunk).
const device = loadDeviceRules(catalog, devicePlan(catalog), {
  ...DEVICE_FEATURES,
  unitFlips,
}).createState()
const event = (i: number) => ({
  event: i % 5 === 0 ? 'Coupon Claimed' : 'Product Viewed',
  properties: {
    product_id: `p${i % 40}`,
    category: ['luggage', 'flights', 'outdoor'][i % 3]!,
    price: 100 + (i % 7),
  },
})
let n = 0
/** The next event as the SDK hands it to its engine, at `now`. */
const trackAt = (now: number): TagwiseEvent => {
  const e = event(n++)
  return {
    type: 'track',
    event: e.event,
    properties: e.properties,
    anonymousId: 'a',
    messageId: `m${n}`,
    timestamp: new Date(now).toISOString(),
    context: {},
  }
}
const candidates: Record<string, () => void> = {
  'tw.track()': () => {
    const e = event(n++)
    tw.track(e.event, e.properties)
  },
  'device engine ingest + evaluate': () => {
    const now = Date.now()
    device.ingest(trackAt(now))
    device.evaluate(now, {})
  },
  'full engine ingest + device-scope evaluate': () => {
    const now = Date.now()
    state.ingest(trackAt(now))
    state.evaluate(now, { scope: 'device', nextChangeAt: true })
  },
  'JSON.stringify(event)': () => {
    JSON.stringify({
      type: 'track',
      ...event(n++),
      anonymousId: 'a',
      messageId: `m${n}`,
      timestamp: new Date().toISOString(),
    })
  },
}

const perCall: Record<string, number[]> = Object.fromEntries(
  Object.keys(candidates).map((k) => [k, []]),
)
for (let round = -3; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(candidates)) {
    gc()
    const start = performance.now()
    for (let i = 0; i < CALLS; i++) fn()
    const ms = (performance.now() - start) / CALLS
    if (round >= 0) perCall[name]!.push(ms)
    // Let the transport's timers and acknowledgements run between rounds, as a page would.
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
const trackMs = median(perCall['tw.track()']!)
console.log(
  table([
    ['candidate', 'median per call', 'tw.track() ÷ this'],
    ...Object.keys(candidates).map((name) => [
      name,
      `${fmt(median(perCall[name]!) * 1000)} µs`,
      fmt(trackMs / median(perCall[name]!)),
    ]),
  ]),
)
console.log(
  `\ntrack() median ${fmt(trackMs * 1000)} µs: ${trackMs < 0.1 ? 'met' : 'NOT met'} (target < 100 µs)`,
)

// Bundle sizes as they ship. The files a site or mini-program loads are measured as `npm run
// build` wrote them (scripts/bench.js builds first; Terser-minified, scripts/minify.js); web-vitals
// and, in browsers, the device plan, the rare features and showing/hiding by tag (only on pages
// with a `data-tw-show-if`/`-hide-if` element) are lazy chunks of their own (the plan
// loads only for inline rules or a collector that did not send it, the rare features only for
// rules whose device tags use one, rules/device/rare-names.ts). The npm entry and the engine alone are minified by
// esbuild, as an app's bundler would. kB = 1,000 bytes, as size-limit counts.
const sizes: string[][] = [['entry', 'min', 'min+gzip']]
const row = (name: string, code: Uint8Array) =>
  sizes.push([name, `${fmt(code.length / 1000)} kB`, `${fmt(gzipSync(code).length / 1000)} kB`])
for (const [name, file] of [
  ['tagwise.js (script tag, incl. engine + idb-keyval)', 'dist/tagwise.js'],
  ['tagwise-miniprogram.js (incl. engine, device plan)', 'dist/tagwise-miniprogram.js'],
] as const)
  row(name, readFileSync(file))
for (const { file } of LAZY_CHUNKS) row(`${file} (lazy chunk)`, readFileSync(`dist/${file}`))
for (const [name, input] of [
  ['tagwise (npm, esbuild-minified; incl. engine + idb-keyval)', { entryPoints: ['sdk/index.ts'] }],
  [
    'device engine (loadDeviceRules only, esbuild-minified)',
    // The engine as the SDK takes it: `loadDeviceRules` alone, tree-shaken.
    {
      stdin: {
        contents: "export { loadDeviceRules } from './rules/device/index.ts'",
        resolveDir: '.',
      },
    },
  ],
] as [string, BuildOptions][]) {
  const result = await build({
    ...input,
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    target: 'es2020',
    external: ['web-vitals'],
    plugins: [lazyChunks],
    logLevel: 'silent',
  })
  row(name, result.outputFiles[0]!.contents)
}
console.log('\n' + table(sizes))
console.log(
  'peers (init + one track, min+gzip): Snowplow 18.3 KB, Segment analytics-next 31.7 KB, RudderStack 35.3 KB, sa-sdk-javascript 51.5 KB, PostHog 127 KB',
)
process.exit(0)
