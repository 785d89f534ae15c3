// The largest legal document (test/support/largest-document.ts: 500 metrics, 1,000 tags, ~0.9 MB)
// against the example catalog, step by step through the public API, in the same rounds: reference
// figures and ratios, no targets. The collector compiles the active document once per isolate
// (128 MB, and the first request waits on it); the SDK compiles the device part on a phone.
import { MAX_SNAPSHOT_BYTES } from '../../collector/limits.ts'
import { checkRules, compileRules } from '../../rules/index.ts'
import type { Rules } from '../../rules/index.ts'
import { generateEvents } from '../support/events.ts'
import { largestDocument } from '../support/largest-document.ts'
import { fmt, gc, median, settledGc, table } from './harness.ts'

const ROUNDS = 5

type Event = Record<string, unknown>

/** The tag that reads the longest chain of tags (ties: the latest in evaluation order). */
function deepestTag(rules: Rules): string {
  const depth = new Map<string, number>()
  let deepest = rules.tags[0]!.id
  for (const tag of rules.tags) {
    const own = 1 + Math.max(0, ...tag.tags.map((id) => depth.get(id)!))
    depth.set(tag.id, own)
    if (own >= depth.get(deepest)!) deepest = tag.id
  }
  return deepest
}

/** Milliseconds `fn` takes, after a settled GC, and its result. */
async function timed<T>(fn: () => T): Promise<{ ms: number; value: T }> {
  await settledGc()
  const start = performance.now()
  const value = fn()
  return { ms: performance.now() - start, value }
}

/**
 * Heap (MB) a compiled document keeps: the heap after GC with it, less the heap before. The
 * compiled rules are returned so that they are still alive at the second GC.
 */
function retained(text: string): { megabytes: number; rules: Rules } {
  gc()
  const before = process.memoryUsage().heapUsed
  const rules = compileRules(text)
  gc()
  return { megabytes: (process.memoryUsage().heapUsed - before) / 1e6, rules }
}

interface Figures {
  check: number
  compile: number
  firstEvaluate: number
  ingest: number
  evaluate: number
  evaluateValues: number
  snapshot: number
  restore: number
  explain: number
  snapshotBytes: number
  heaviestSnapshotBytes: number
  retainedMb: number
}

/** One round of every step for the document `text`, fed `visitor` (and `heaviest`'s snapshot). */
async function round(text: string, visitor: Event[], heaviest: Event[]): Promise<Figures> {
  const check = await timed(() => checkRules(JSON.parse(text)))
  if (!check.value.ok) throw new Error(`the document does not check: ${check.value.problems[0]}`)
  const compile = await timed(() => compileRules(text))
  const rules = compile.value
  const now = Date.parse(String(visitor.at(-1)!.timestamp))
  const ingest = await timed(() => {
    const state = rules.createState()
    for (const event of visitor) state.ingest(event)
    return state
  })
  const state = ingest.value
  // The first evaluation of a compiled document builds its nextChangeAt search plan.
  const firstEvaluate = await timed(() => state.evaluate(now))
  const evaluate = await timed(() => state.evaluate(now + 1000))
  const evaluateValues = await timed(() => state.evaluate(now + 1000, { nextChangeAt: false }))
  const snapshot = await timed(() => JSON.stringify(state.snapshot()))
  const restore = await timed(() => rules.restore(JSON.parse(snapshot.value)))
  const tag = deepestTag(rules)
  const explain = await timed(() => restore.value.explain(tag, now))
  const heavy = rules.createState()
  for (const event of heaviest) heavy.ingest(event)
  return {
    check: check.ms,
    compile: compile.ms,
    firstEvaluate: firstEvaluate.ms,
    ingest: (ingest.ms * 1000) / visitor.length,
    evaluate: evaluate.ms,
    evaluateValues: evaluateValues.ms,
    snapshot: snapshot.ms,
    restore: restore.ms,
    explain: explain.ms,
    snapshotBytes: snapshot.value.length,
    heaviestSnapshotBytes: JSON.stringify(heavy.snapshot()).length,
    retainedMb: retained(text).megabytes,
  }
}

export async function largestDocumentFigures(catalogText: string): Promise<void> {
  const largest = JSON.stringify(largestDocument(1).document)
  // Visitors of the generated site, by the index in their messageIds: the median one and the heaviest.
  const byVisitor = new Map<string, Event[]>()
  for (const event of generateEvents({ seed: 11, visitors: 25, days: 120 })) {
    const key = String(event.messageId).split('-')[1]!
    byVisitor.set(key, [...(byVisitor.get(key) ?? []), event])
  }
  const sized = [...byVisitor.values()].sort((a, b) => a.length - b.length)
  const visitor = sized[sized.length >> 1]!
  const heaviest = sized.at(-1)!
  const catalogRounds: Figures[] = []
  const largestRounds: Figures[] = []
  for (let index = 0; index < ROUNDS; index++) {
    catalogRounds.push(await round(catalogText, visitor, heaviest))
    largestRounds.push(await round(largest, visitor, heaviest))
  }
  const summary = checkRules(JSON.parse(largest)).summary
  console.log(
    `\nthe largest legal document (reference): ${summary.metrics} metrics, ${summary.tags} tags ` +
      `(${summary.deviceTags} on device), ${fmt(largest.length / 1024)} KB, against the catalog ` +
      `(${fmt(catalogText.length / 1024)} KB); one visitor of ${visitor.length} events ` +
      `(the median of 25), ${ROUNDS} rounds, medians (ratio: median of per-round ratios, min–max):\n`,
  )
  const steps: [string, keyof Figures, string][] = [
    ['checkRules(document)', 'check', 'ms'],
    ['compileRules(document)', 'compile', 'ms'],
    ['heap kept by the compiled document', 'retainedMb', 'MB'],
    ['state.ingest(event)', 'ingest', 'µs/event'],
    ['first evaluate(now) after compiling', 'firstEvaluate', 'ms'],
    ['evaluate(now)', 'evaluate', 'ms'],
    ['evaluate(now, { nextChangeAt: false })', 'evaluateValues', 'ms'],
    ['JSON.stringify(state.snapshot())', 'snapshot', 'ms'],
    ['rules.restore(snapshot)', 'restore', 'ms'],
    ['explain(the deepest tag, now)', 'explain', 'ms'],
    ['snapshot size', 'snapshotBytes', 'bytes'],
    [
      `snapshot size, the heaviest visitor (${heaviest.length} events)`,
      'heaviestSnapshotBytes',
      'bytes',
    ],
  ]
  console.log(
    table([
      ['step', 'unit', 'catalog', 'largest', 'largest / catalog', 'range'],
      ...steps.map(([name, key, unit]) => {
        const ratios = largestRounds.map(
          (figures, index) => figures[key] / catalogRounds[index]![key],
        )
        return [
          name,
          unit,
          fmt(median(catalogRounds.map((figures) => figures[key]))),
          fmt(median(largestRounds.map((figures) => figures[key]))),
          `${fmt(median(ratios))}×`,
          `${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}`,
        ]
      }),
    ]),
  )
  const heaviestLargest = median(largestRounds.map((figures) => figures.heaviestSnapshotBytes))
  console.log(
    `\nthe heaviest visitor's snapshot is ${fmt((heaviestLargest / MAX_SNAPSHOT_BYTES) * 100)} % ` +
      `of the collector's checkpoint bound (MAX_SNAPSHOT_BYTES, ${MAX_SNAPSHOT_BYTES} bytes)`,
  )
}
