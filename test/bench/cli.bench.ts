// CLI throughput (spec: rules.md §5): `tagwise eval` over a large NDJSON file against merely
// `JSON.parse`-ing every line of it (node:readline), both run as child processes the same way.
// Runs alternate between the two; figures are medians of 3 runs, the ratio the median of the
// per-pair ratios. Two shapes: 200k (and 50k) events of 2,000 visitors over 35 days, and a large
// history (issue 19): 300k events of 20,000 profiles over 400 days, a third of them identified,
// where per-profile and per-bucket work dominates. Also the CLI's peak RSS for 200k vs 50k events
// of the same 2,000 profiles, and per profile on the large history: memory should be bounded by
// profiles, not events. No timed assertions.
import { spawnSync } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { compileRules } from '../../rules/index.ts'
import type { ProfileState } from '../../rules/index.ts'
import { generateEvents } from '../support/events.ts'
import { fmt, gc, median, table, verdict } from './harness.ts'
import { largeHistory } from './large-history.ts'

const RULES = 'examples/rules/catalog.json'
const VISITORS = 2000
const SIZES = [200_000, 50_000] as const
const LARGE = {
  seed: 19,
  profiles: 20_000,
  events: 300_000,
  days: 400,
  start: '2025-01-01T00:00:00Z',
}
const RUNS = 3

if (!existsSync('dist/cli.js')) {
  console.error('dist/cli.js is missing: run `npm run build` (scripts/bench.js does) first')
  process.exit(1)
}

const dir = mkdtempSync(join(tmpdir(), 'tagwise-bench-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

// ---------------------------------------------------------------------------------------------
// The stream: 2,000 visitors of every persona over 35 days (about 3 events per visitor and day),
// in timestamp order; the 50k file is the first 50k lines of the 200k one, and every visitor
// starts within the first 3 days, so both hold the same profiles.

let start = performance.now()
const all = generateEvents({ seed: 11, visitors: VISITORS, days: 35 })
if (all.length < SIZES[0]) {
  console.error(`the generator gave only ${all.length} events (wanted ${SIZES[0]})`)
  process.exit(1)
}
const lines = all.slice(0, SIZES[0]).map((e) => JSON.stringify(e))
const visitorOf = (e: Record<string, unknown>) => String(e.messageId).split('-')[1]!

interface EventsFile {
  /** The shape it belongs to, as the tables print it. */
  shape: string
  size: number
  path: string
  bytes: number
  profiles: number
}

function writeEvents(name: string, from: readonly string[], size: number) {
  const path = join(dir, name)
  const fd = openSync(path, 'w')
  for (let i = 0; i < size; i += 10_000)
    writeFileSync(fd, from.slice(i, i + 10_000).join('\n') + '\n')
  closeSync(fd)
  return { path, bytes: statSync(path).size }
}

const files: EventsFile[] = SIZES.map((size) => ({
  shape: '35 days',
  size,
  ...writeEvents(`events-${size / 1000}k.ndjson`, lines, size),
  profiles: new Set(all.slice(0, size).map(visitorOf)).size,
}))
const averageBytes = files[0]!.bytes / files[0]!.size
console.log(
  `generated ${files.map((f) => `${f.size} events (${fmt(f.bytes / 1e6)} MB, ${f.profiles} profiles)`).join(' and ')} ` +
    `in ${fmt((performance.now() - start) / 1000)} s; ${fmt(averageBytes)} bytes per event`,
)

// ---------------------------------------------------------------------------------------------
// What the states retain, in process: the same events ingested as the CLI does (one state per
// profile, every messageId remembered), heap after a full GC at each of `sizes` events, and
// which parts of the states' snapshots grow.

function retained(
  lines: readonly string[],
  profileOf: (event: Record<string, unknown>) => string,
  checkpoints: readonly number[],
): void {
  const rules = compileRules(readFileSync(RULES, 'utf8'))
  const states = new Map<string, ProfileState>()
  const sizes: { events: number; heapMb: number; parts: Record<string, number> }[] = []
  gc()
  const heap0 = process.memoryUsage().heapUsed
  for (let i = 0; i < lines.length; i++) {
    const event = JSON.parse(lines[i]!) as Record<string, unknown>
    const key = profileOf(event)
    let state = states.get(key)
    if (!state) states.set(key, (state = rules.createState({ maxMessageIds: Infinity })))
    state.ingest(event)
    if (checkpoints.includes(i + 1)) {
      gc()
      const parts: Record<string, number> = {}
      for (const st of states.values())
        for (const [part, value] of Object.entries(st.snapshot()))
          parts[part] = (parts[part] ?? 0) + JSON.stringify(value).length
      sizes.push({
        events: i + 1,
        heapMb: (process.memoryUsage().heapUsed - heap0) / 2 ** 20,
        parts,
      })
    }
  }
  sizes.sort((a, b) => a.events - b.events)
  const names = Object.keys(sizes[0]!.parts).sort(
    (a, b) => sizes[sizes.length - 1]!.parts[b]! - sizes[sizes.length - 1]!.parts[a]!,
  )
  console.log(
    `\nretained by ${states.size} profile states (in process, maxMessageIds: Infinity as the CLI; ` +
      `heap after GC, and JSON size of each snapshot part summed over profiles):\n`,
  )
  console.log(
    table([
      ['events', 'heap', 'per profile', ...names.map((n) => `${n} (JSON)`)],
      ...sizes.map((x) => [
        `${x.events / 1000}k`,
        `${fmt(x.heapMb)} MB`,
        `${fmt((x.heapMb * 1024) / states.size)} KB`,
        ...names.map((n) => `${fmt(x.parts[n]! / 1e6)} MB`),
      ]),
    ]),
  )
}
retained(lines, visitorOf, SIZES)
all.length = 0
lines.length = 0
gc()

// The large history: sparse visits over 400 days, so each profile keeps buckets in every window.
start = performance.now()
const large = largeHistory(LARGE)
const largeFile: EventsFile = {
  shape: '400 days',
  size: large.lines.length,
  ...writeEvents('large-history.ndjson', large.lines, large.lines.length),
  profiles: large.profiles,
}
files.push(largeFile)
console.log(
  `\ngenerated the large history: ${largeFile.size} events (${fmt(largeFile.bytes / 1e6)} MB) of ` +
    `${largeFile.profiles} profiles over ${LARGE.days} days in ${fmt((performance.now() - start) / 1000)} s`,
)
// Every event carries its profile's anonymousId; identified profiles link it to their user.
retained(large.lines, (event) => String(event.anonymousId), [largeFile.size])
large.lines.length = 0
gc()

// ---------------------------------------------------------------------------------------------
// The two commands. The baseline reads lines the usual way and parses each one: the least any
// NDJSON tool does. Peak RSS from /usr/bin/time -v, else from a preload that reports maxRSS.

const baseline = join(dir, 'parse-only.mjs')
writeFileSync(
  baseline,
  `import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
let n = 0
const lines = createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity })
for await (const line of lines) if (line !== '' && JSON.parse(line) !== null) n++
process.stdout.write(n + '\\n')
`,
)
const rssHook = join(dir, 'rss.mjs')
writeFileSync(
  rssHook,
  `process.on('exit', () => process.stderr.write('maxRSS ' + process.resourceUsage().maxRSS + '\\n'))\n`,
)
const useTime = existsSync('/usr/bin/time')
const devNull = openSync('/dev/null', 'w')

interface Run {
  seconds: number
  rssMb: number
  stdout: string
}

function run(args: string[], discardStdout: boolean): Run {
  const node = useTime
    ? ['/usr/bin/time', '-v', process.execPath]
    : [process.execPath, '--import', rssHook]
  const begin = performance.now()
  const child = spawnSync(node[0]!, [...node.slice(1), ...args], {
    stdio: ['ignore', discardStdout ? devNull : 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
  const seconds = (performance.now() - begin) / 1000
  const stderr = child.stderr ?? ''
  const kb = useTime
    ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1])
    : Number(/maxRSS (\d+)/.exec(stderr)?.[1])
  if (child.status !== 0 || !Number.isFinite(kb)) {
    console.error(`FAILED (exit ${child.status}): node ${args.join(' ')}\n${stderr.slice(0, 2000)}`)
    process.exit(1)
  }
  return { seconds, rssMb: kb / 1024, stdout: child.stdout ?? '' }
}

const parseOnly = (path: string) => run([baseline, path], false)
const cli = (path: string) =>
  run(['bin/tagwise.js', 'eval', '--rules', RULES, '--events', path], true)

// Warm the file cache and check the baseline parsed every line.
for (const f of files) {
  const parsed = Number(parseOnly(f.path).stdout.trim())
  if (parsed !== f.size) {
    console.error(`the baseline parsed ${parsed} of ${f.size} lines`)
    process.exit(1)
  }
}

const results = files.map((f) => {
  const base: Run[] = []
  const ours: Run[] = []
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) (base.push(parseOnly(f.path)), ours.push(cli(f.path)))
    else (ours.push(cli(f.path)), base.push(parseOnly(f.path)))
  }
  return { ...f, base, ours }
})
closeSync(devNull)

// ---------------------------------------------------------------------------------------------

const seconds = (runs: Run[]) => median(runs.map((r) => r.seconds))
const rss = (runs: Run[]) => median(runs.map((r) => r.rssMb))
console.log(
  `\ntagwise eval --rules ${RULES} --events FILE > /dev/null, against readline + JSON.parse ` +
    `(child processes, ${RUNS} runs each, alternating; medians; peak RSS by ${useTime ? '/usr/bin/time -v' : 'process.resourceUsage()'}):\n`,
)
console.log(
  table([
    ['events', 'shape', 'command', 'seconds', 'range', 'events/s', 'MB/s', 'peak RSS'],
    ...results.flatMap((r) =>
      (
        [
          ['readline + JSON.parse', r.base],
          ['tagwise eval', r.ours],
        ] as const
      ).map(([name, runs]) => [
        `${r.size / 1000}k`,
        r.shape,
        name,
        fmt(seconds(runs)),
        `${fmt(Math.min(...runs.map((x) => x.seconds)))}–${fmt(Math.max(...runs.map((x) => x.seconds)))}`,
        fmt(r.size / seconds(runs)),
        fmt(r.bytes / 1e6 / seconds(runs)),
        `${fmt(rss(runs))} MB`,
      ]),
    ),
  ]),
)
console.log('')
for (const r of results) {
  const ratios = r.ours.map((x, i) => x.seconds / r.base[i]!.seconds)
  console.log(
    `${r.size / 1000}k events, ${r.shape}, ${r.profiles} profiles: CLI / JSON.parse = ${verdict(median(ratios), 3, 'at most')}, ` +
      `per-pair ${ratios.map((x) => fmt(x)).join(', ')}; ` +
      `CLI ${fmt((seconds(r.ours) * 1e6) / r.size)} µs/event, ` +
      `baseline ${fmt((seconds(r.base) * 1e6) / r.size)} µs/event`,
  )
}
const [big, small, history] = results as [
  (typeof results)[0],
  (typeof results)[0],
  (typeof results)[0],
]
console.log(
  `\npeak RSS of the CLI, ${big.profiles} profiles: ${fmt(rss(big.ours))} MB for ${big.size / 1000}k events vs ` +
    `${fmt(rss(small.ours))} MB for ${small.size / 1000}k (${fmt(big.size / small.size)}× the events: ` +
    `${fmt(rss(big.ours) / rss(small.ours))}× the memory; the baseline: ${fmt(rss(big.base))} vs ${fmt(rss(small.base))} MB). ` +
    `Above the baseline: ${fmt(rss(big.ours) - rss(big.base))} vs ${fmt(rss(small.ours) - rss(small.base))} MB, ` +
    `${fmt(((rss(big.ours) - rss(big.base)) * 1024) / big.profiles)} vs ${fmt(((rss(small.ours) - rss(small.base)) * 1024) / small.profiles)} KB per profile`,
)
console.log(
  `peak RSS of the CLI on the large history, ${history.profiles} profiles: ${fmt(rss(history.ours))} MB ` +
    `(the baseline: ${fmt(rss(history.base))} MB); above the baseline ` +
    `${fmt(((rss(history.ours) - rss(history.base)) * 1024) / history.profiles)} KB per profile`,
)
