// Generators shared by the engine's property tests (test/rules/property.test.ts) and the device
// engine's parity tests (test/rules/device.test.ts): rules documents, one profile's event streams,
// the `now`s at which the exact reference is authoritative, and a tolerant deep comparison.
import fc from 'fast-check'
import { AGGREGATIONS, FIELD_AGGREGATIONS } from '../../rules/document/document.ts'
import type { Evaluation, RulesDocument } from '../../rules/index.ts'
import { parseEvent } from '../../rules/index.ts'
import { bucketExpiry, bucketOf, parseWindow } from '../../rules/metric/window.ts'
import { windowEdgeConflicts } from './reference.ts'

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 86_400_000
const START = Date.parse('2026-01-10T08:00:00Z')

// ---------------------------------------------------------------------------------------------
// Rules documents

const WINDOWS = ['session', 'lifetime', '30m', '2h', '1d', '7d']
const FIELDS = [
  'properties.amount',
  'properties.amount',
  'properties.amount',
  'properties.plan',
  'properties.plan',
  'properties.path',
  'traits.plan',
]
const EVENT_NAMES = ['Order Completed', 'Product Added', 'Page Left']
const PATHS = ['/', '/checkout/pay', '/checkout/pay/2', '/visa/fr', '/visa/', '/visa', '/p/1']
const GLOBS = ['/', '/checkout/*', '/checkout/**', '/visa/**', '/p/?', '/**', '/*', '/visa']
const WHERES: unknown[] = [
  { '==': [{ var: 'properties.plan' }, 'pro'] },
  { '>': [{ var: 'properties.amount' }, 4] },
  { '!!': [{ var: 'properties.amount' }] },
  { '===': [{ var: 'type' }, 'page'] },
  { '==': [{ var: 'properties.amount' }, 'x'] }, // throws for numeric amounts: no match
]

/** `undefined` (weight `none`) or a value of `arb` (weight 1). */
const maybe = <T>(arb: fc.Arbitrary<T>, none = 2): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: none, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb })

/** An object without its `undefined` properties (so counterexamples print cleanly). */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

const metricArb = fc
  .record({
    type: maybe(
      fc.constantFrom<string | string[]>('track', 'page', ['page', 'screen'], 'identify', [
        'track',
        'page',
      ]),
      4,
    ),
    event: maybe(
      fc.constantFrom<string | string[]>(...EVENT_NAMES, ['Order Completed', 'Product Added']),
      3,
    ),
    path: maybe(fc.constantFrom(...GLOBS), 2),
    where: maybe(fc.constantFrom(...WHERES), 4),
    agg: fc.constantFrom(...AGGREGATIONS),
    field: fc.constantFrom(...FIELDS),
    window: fc.constantFrom(...WINDOWS),
  })
  .map(({ type, event, path, where, agg, field, window }) =>
    compact({
      events: compact({ type, event, path, where }),
      agg,
      field: FIELD_AGGREGATIONS.has(agg) ? field : undefined,
      window,
    }),
  )

const CONSTANTS: unknown[] = [
  0,
  1,
  2,
  3,
  5,
  10,
  25.5,
  60_000,
  { minutes: 10 },
  { minutes: 45 },
  { hours: 3 },
  { days: 2 },
  'pro',
  null,
  true,
]

function tagArb(metricIds: string[], tagIds: string[]): fc.Arbitrary<Record<string, unknown>> {
  const operand = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...metricIds).map((id) => ({ var: `metrics.${id}` })) },
    ...(tagIds.length > 0
      ? [{ weight: 2, arbitrary: fc.constantFrom(...tagIds).map((id) => ({ var: `tags.${id}` })) }]
      : []),
    { weight: 1, arbitrary: fc.constantFrom({ var: 'traits.plan' }, { var: 'traits.vip' }) },
  )
  const constant = fc.constantFrom(...CONSTANTS)
  const comparison = fc
    .tuple(fc.constantFrom('>', '>=', '<', '<=', '==', '===', '!=', '!=='), operand, constant)
    .map(([op, a, b]) => ({ [op]: [a, b] }))
  const cond = fc.oneof(
    { weight: 4, arbitrary: comparison },
    { weight: 1, arbitrary: operand.map((a) => ({ '!!': [a] })) },
    { weight: 1, arbitrary: operand.map((a) => ({ '!': [a] })) },
    { weight: 1, arbitrary: fc.tuple(comparison, comparison).map(([a, b]) => ({ and: [a, b] })) },
    { weight: 1, arbitrary: fc.tuple(comparison, comparison).map(([a, b]) => ({ or: [a, b] })) },
    { weight: 1, arbitrary: operand.map((a) => ({ '<': [0, a, { minutes: 30 }] })) },
  )
  const scalar = fc.constantFrom<unknown>('new', 'vip', 1, 0, true, false, null, '')
  const meta = { status: maybe(fc.constantFrom('draft', 'certified')) }
  const flag = fc.record({ when: cond, ...meta })
  const tiers = fc.record({
    tiers: fc
      .record({
        of: fc.oneof(
          operand,
          fc.tuple(operand, operand).map(([a, b]) => ({ '+': [a, b] })),
        ),
        cuts: fc.constantFrom([1, 3], [0], [2, 10, 100], [60_000, 600_000, 1_800_000]),
      })
      .map(({ of, cuts }) => ({ of, cuts, labels: [...cuts, 0].map((_, i) => `l${i}`) })),
    ...meta,
  })
  const cases = fc.record({
    cases: fc.array(fc.record({ when: cond, then: scalar }), { minLength: 1, maxLength: 3 }),
    else: maybe(scalar, 1),
  })
  const featurePaths = [
    ...metricIds.map((id) => `metrics.${id}`),
    ...tagIds.map((id) => `tags.${id}`),
    'traits.vip',
    'traits.plan',
  ]
  const score = fc.record({
    score: fc
      .record({
        bias: maybe(fc.constantFrom(-3, -1, 0.5), 1),
        weights: fc.array(
          fc.tuple(fc.constantFrom(...featurePaths), fc.constantFrom(-1, 0.4, 1.2, 2, 0.00001)),
          { minLength: 1, maxLength: 3 },
        ),
        threshold: maybe(fc.constantFrom(0.3, 0.5, 0.9), 1),
      })
      .map(({ bias, weights, threshold }) =>
        compact({ bias, weights: Object.fromEntries(weights), threshold }),
      ),
  })
  const value = fc.record({
    value: fc.oneof(
      operand,
      fc.tuple(cond, operand, constant).map(([c, a, b]) => ({ if: [c, a, b] })),
      fc.tuple(operand, operand).map(([a, b]) => ({ cat: [a, '-', b] })),
      operand.map((a) => ({ '+': [a, 1] })),
    ),
  })
  return fc
    .oneof(flag, tiers, cases, score, value)
    .map((t) => compact(t as Record<string, unknown>))
}

export const docArb: fc.Arbitrary<RulesDocument> = fc
  .record({
    timeout: maybe(fc.constantFrom(10, 30, 45), 3),
    metrics: fc.array(metricArb, { minLength: 1, maxLength: 6 }),
    tagCount: fc.integer({ min: 0, max: 6 }),
    reverseTags: fc.boolean(),
  })
  .chain(({ timeout, metrics, tagCount, reverseTags }) => {
    const metricIds = metrics.map((_, i) => `m${i}`)
    const tagIds = Array.from({ length: tagCount }, (_, i) => `t${i}`)
    // Tag i reads only tags j < i (no cycles); the document lists them in either order.
    return fc.tuple(...tagIds.map((_, i) => tagArb(metricIds, tagIds.slice(0, i)))).map((tags) => {
      const entries = tags.map((t, i) => [tagIds[i]!, t] as const)
      if (reverseTags) entries.reverse()
      return compact({
        version: 1,
        session: timeout === undefined ? undefined : { timeoutMinutes: timeout },
        metrics: Object.fromEntries(metrics.map((m, i) => [metricIds[i]!, m])),
        tags: Object.fromEntries(entries),
      }) as unknown as RulesDocument
    })
  })

// ---------------------------------------------------------------------------------------------
// Event streams (one profile)

const AMOUNTS: unknown[] = [
  undefined,
  undefined,
  0,
  1,
  2,
  3,
  5,
  10,
  12,
  40,
  -4,
  2.5,
  0.25,
  '12',
  '2.5',
  '-3',
  '1e2',
  '1e400',
  ' 3',
  'abc',
  '',
  null,
  true,
]
const PLANS: unknown[] = [undefined, undefined, 'pro', 'free', 1, '1', null, true]
const DWELLS: unknown[] = [
  undefined,
  0,
  1_500,
  20_000,
  600_000,
  3 * HOUR,
  '5000',
  'abc',
  null,
  '1e400',
]

const gapArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 5 * MINUTE }) },
  { weight: 4, arbitrary: fc.integer({ min: 5 * MINUTE, max: 40 * MINUTE }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, 10 * MINUTE, 30 * MINUTE - 1, 30 * MINUTE, 45 * MINUTE),
  },
  { weight: 1, arbitrary: fc.integer({ min: HOUR, max: 30 * HOUR }) },
  { weight: 1, arbitrary: fc.integer({ min: 2 * DAY, max: 9 * DAY }) },
)

const draftArb = fc.record({
  gap: gapArb,
  kind: fc.constantFrom(
    'page',
    'page',
    'page',
    'screen',
    'track',
    'track',
    'left',
    'left',
    'identify',
    'group',
    'bad',
  ),
  bad: fc.constantFrom('track without event', 'timestamp without zone', 'no id'),
  zone: fc.constantFrom('Z', 'Z', 'Z', '+02:00', '-0530'),
  noMessageId: maybe(fc.constant(true), 15),
  name: fc.constantFrom('Order Completed', 'Product Added'),
  path: fc.constantFrom(...PATHS),
  pathInProperties: fc.boolean(),
  leftSamePath: fc.boolean(),
  amount: fc.constantFrom(...AMOUNTS),
  plan: fc.constantFrom(...PLANS),
  dwell: fc.constantFrom(...DWELLS),
  traitPlan: fc.constantFrom<unknown>('pro', 'free', undefined, null),
  vip: fc.constantFrom<unknown>(true, false, 1, 'yes', undefined),
  // Sometimes a duplicate messageId: an identical retry of an earlier event, or a different event.
  dup: maybe(fc.record({ of: fc.nat(), identical: fc.boolean() }), 8),
})

export type Event = Record<string, unknown>

/** ISO-8601 text of epoch ms `ts` in zone `zone` (`Z`, `+02:00`, `-0530`). */
function isoAt(ts: number, zone: string): string {
  if (zone === 'Z') return new Date(ts).toISOString()
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.replace(/[^0-9]/g, '')
  const minutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)))
  return new Date(ts + minutes * MINUTE).toISOString().replace('Z', zone)
}

export const eventsArb: fc.Arbitrary<Event[]> = fc
  .array(draftArb, { minLength: 1, maxLength: 60, size: 'medium' })
  .map((drafts) => {
    const out: Event[] = []
    let ts = START
    let lastPagePath = '/'
    drafts.forEach((d, i) => {
      ts += d.gap
      const base = compact({
        timestamp: isoAt(ts, d.zone),
        messageId: d.noMessageId ? undefined : `m${i}`,
        anonymousId: 'a1',
      })
      let e: Event
      if (d.kind === 'bad') {
        // Not an event at all: rejected, and its messageId must not hide a later good event.
        e =
          d.bad === 'track without event'
            ? { type: 'track', ...base }
            : d.bad === 'no id'
              ? { type: 'page', ...base, anonymousId: undefined }
              : { type: 'page', ...base, timestamp: isoAt(ts, 'Z').slice(0, -1) }
      } else if (d.kind === 'group') {
        e = { type: 'group', ...base, groupId: 'g1' }
      } else if (d.kind === 'page' || d.kind === 'screen') {
        lastPagePath = d.path
        const props = compact({ amount: d.amount, plan: d.plan })
        e = d.pathInProperties
          ? { type: d.kind, ...base, properties: { path: d.path, ...props } }
          : { type: d.kind, ...base, properties: props, context: { page: { path: d.path } } }
      } else if (d.kind === 'left') {
        const path = d.leftSamePath ? lastPagePath : d.path
        e = {
          type: 'track',
          event: 'Page Left',
          ...base,
          properties: compact({ path, dwell_ms: d.dwell }),
        }
      } else if (d.kind === 'track') {
        e = {
          type: 'track',
          event: d.name,
          ...base,
          properties: compact({
            amount: d.amount,
            plan: d.plan,
            path: d.pathInProperties ? d.path : undefined,
          }),
        }
      } else {
        e = { type: 'identify', ...base, traits: compact({ plan: d.traitPlan, vip: d.vip }) }
      }
      if (d.dup !== undefined && i > 0) {
        const earlier = out[d.dup.of % i]!
        e = d.dup.identical ? structuredClone(earlier) : { ...e, messageId: earlier.messageId }
      }
      out.push(e)
    })
    return out
  })

/** Later `now`s checked after the last event, as offsets from it. */
const NOW_OFFSETS = [
  0,
  1,
  5 * MINUTE,
  20 * MINUTE,
  30 * MINUTE - 1,
  30 * MINUTE,
  45 * MINUTE,
  90 * MINUTE,
  3 * HOUR,
  20 * HOUR,
  1.5 * DAY,
  8 * DAY,
  400 * DAY,
]

/** Epoch ms of a good event, `undefined` for a bad one. */
export function tsOf(e: Event): number | undefined {
  const parsed = parseEvent(e)
  return parsed.ok ? parsed.event.ts : undefined
}

const goodStamps = (events: Event[]): number[] =>
  events.map(tsOf).filter((t): t is number => t !== undefined)

/** The largest timestamp of a good event (the spec's default `now`); START if there is none. */
export const maxTs = (events: Event[]): number => Math.max(START, ...goodStamps(events))

/** The `now`s at which the exact reference is authoritative (see the header comment). */
export function checkedNows(doc: RulesDocument, events: Event[], extra: number): number[] {
  const last = maxTs(events)
  return [...NOW_OFFSETS, extra]
    .map((o) => last + o)
    .filter((now) => windowEdgeConflicts(doc, events, now).length === 0)
}

// ---------------------------------------------------------------------------------------------
// Small documents over time-growing metrics, for (g)

const GROWING: Record<string, unknown>[] = [
  { agg: 'since_last', window: 'lifetime' },
  { agg: 'since_first', window: 'lifetime' },
  { agg: 'since_last', window: 'session' },
  { agg: 'since_first', window: '2h' },
  { events: { type: 'track' }, agg: 'since_last', window: '7d' },
  { events: { path: '/**' }, agg: 'dwell', window: 'session' },
  { events: { path: '/**' }, agg: 'dwell', window: 'lifetime' },
  { events: { path: '/checkout/**' }, agg: 'dwell_max', window: 'lifetime' },
  { events: { path: '/**' }, agg: 'dwell_max', window: '2h' },
]
const THRESHOLDS: unknown[] = [
  { minutes: 1 },
  { minutes: 10 },
  { minutes: 20 },
  { minutes: 45 },
  { hours: 2 },
  90_000,
]

export const thresholdDocArb: fc.Arbitrary<RulesDocument> = fc
  .record({
    timeout: maybe(fc.constantFrom(10, 30), 2),
    metrics: fc.array(fc.constantFrom(...GROWING), { minLength: 1, maxLength: 2 }),
    tags: fc.array(
      fc.record({
        metric: fc.nat(),
        op: fc.constantFrom(
          ...['>', '>=', '<', '<=', '==', '===', '!=', '!=='],
          ...['<', '<=', '<', '<='].map((op) => `between ${op}`),
          // Truthiness, and constants that are not numbers (compared loosely as numbers, or
          // strictly never equal): computed flips of their own (rules/tags/unit-shapes.ts).
          ...['!!', '!', '>= text', '== null', '=== null', '< true', 'now >'],
        ),
        c: fc.constantFrom(...THRESHOLDS),
        c2: fc.constantFrom(...THRESHOLDS),
        kind: fc.constantFrom('flag', 'cases', 'value', 'value of if', 'tiers', 'tiers of if'),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ timeout, metrics, tags }) => {
    const ids = metrics.map((_, i) => `m${i}`)
    const tagEntries = tags.map((t, i) => {
      const v = { var: `metrics.${ids[t.metric % ids.length]}` }
      // `between <` is the 3-argument form, bounds in ascending order: `{"<": [lo, v, hi]}`.
      const [lo, hi] = [t.c, t.c2].sort((a, b) => thresholdMs(a) - thresholdMs(b))
      const odd: Record<string, unknown> = {
        '!!': { '!!': [v] },
        '!': { '!': v },
        '>= text': { '>=': [v, String(thresholdMs(t.c))] },
        '== null': { '==': [v, null] },
        '=== null': { '===': [v, null] },
        '< true': { '<': [v, true] },
        'now >': { '>': [{ var: 'now' }, START + thresholdMs(t.c)] },
      }
      const cond = t.op.startsWith('between ')
        ? { [t.op.slice(8)]: [lo, v, hi] }
        : (odd[t.op] ?? { [t.op]: [v, t.c] })
      const cuts = [60_000, 600_000, 1_200_000]
      const labels = ['a', 'b', 'c', 'd']
      const defs: Record<string, unknown> = {
        flag: { when: cond },
        cases: { cases: [{ when: cond, then: 'yes' }], else: 'no' },
        value: { value: { if: [cond, 'in', 'out'] } },
        // The metric itself as a result, behind a time-dependent condition: changes every ms.
        'value of if': { value: { if: [cond, v, 'out'] } },
        tiers: { tiers: { of: v, cuts, labels } },
        'tiers of if': { tiers: { of: { if: [cond, v, 0] }, cuts, labels } },
      }
      const def = defs[t.kind]
      return [`t${i}`, def] as const
    })
    return compact({
      version: 1,
      session: timeout === undefined ? undefined : { timeoutMinutes: timeout },
      metrics: Object.fromEntries(metrics.map((m, i) => [ids[i]!, m])),
      tags: Object.fromEntries(tagEntries),
    }) as unknown as RulesDocument
  })

export const thresholdEventsArb: fc.Arbitrary<Event[]> = fc
  .array(
    fc.record({
      gap: fc.oneof(
        fc.integer({ min: 0, max: 40 * MINUTE }),
        fc.constantFrom(MINUTE, 10 * MINUTE, 3 * HOUR),
      ),
      kind: fc.constantFrom('page', 'page', 'track', 'left'),
      path: fc.constantFrom('/checkout/pay', '/p/1'),
      dwell: fc.constantFrom<unknown>(undefined, 30_000),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((drafts) => {
    let ts = START
    return drafts.map((d, i) => {
      ts += d.gap
      const base = { timestamp: new Date(ts).toISOString(), messageId: `m${i}`, anonymousId: 'a1' }
      if (d.kind === 'page') return { type: 'page', ...base, properties: { path: d.path } }
      if (d.kind === 'left') {
        const properties = compact({ path: d.path, dwell_ms: d.dwell })
        return { type: 'track', event: 'Page Left', ...base, properties }
      }
      return { type: 'track', event: 'Order Completed', ...base, properties: {} }
    })
  })

export const nowOffsetArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 5 * MINUTE) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 * HOUR }) },
)

/** Milliseconds of a threshold constant (`{ minutes: 10 }` or a number). */
function thresholdMs(c: unknown): number {
  if (typeof c === 'number') return c
  const [unit, n] = Object.entries(c as Record<string, number>)[0]!
  return n * (unit === 'minutes' ? MINUTE : HOUR)
}

/** When each numeric metric of `r`, growing at 1 ms/ms from its value at `now`, reaches each constant. */
function whenMetricsReach(r: Evaluation, now: number, constants: readonly number[]): number[] {
  const instants: number[] = []
  for (const value of Object.values(r.metrics))
    if (typeof value === 'number') instants.push(...constants.map((c) => now + c - value))
  return instants
}

/**
 * Instants where a tag of a threshold document can flip: where a since_* or dwell metric growing at
 * 1 ms/ms from its value at `now`, or measured from an event, reaches a constant; where an event
 * leaves a window or its session times out; each ±1 ms.
 */
export function thresholdProbes(
  doc: RulesDocument,
  events: Event[],
  r: Evaluation,
  now: number,
): number[] {
  const timeout = (doc.session?.timeoutMinutes ?? 30) * MINUTE
  const constants = [...THRESHOLDS.map(thresholdMs), 60_000, 600_000, 1_200_000]
  const stamps = goodStamps(events)
  const bases: number[] = []
  for (const ts of stamps) bases.push(...constants.map((c) => ts + c), ts + timeout, ts + 2 * HOUR)
  for (const ts of stamps) bases.push(ts + 7 * DAY)
  bases.push(...whenMetricsReach(r, now, constants))
  return bases.flatMap((b) => [b - 1, b, b + 1])
}

/** Milliseconds of the numbers `docArb`'s tags compare with: its constants and tier cuts. */
const DOC_CONSTANTS = [0, 1, 2, 3, 5, 10, 25.5, 100, 60_000, 600_000, 1_800_000]
  .concat([10 * MINUTE, 45 * MINUTE, 3 * HOUR, 2 * DAY])
  .concat([30 * MINUTE]) // the 3-argument `<` of `docArb`'s conditions

/**
 * Instants where a tag of a `docArb` document can change with no new event: where a bucket of an
 * event leaves a sliding window, where a session times out, where a since_* measured from an event
 * or a metric growing at 1 ms/ms from its value at `now` reaches a constant; around each, the
 * whole milliseconds from 1 ms before to 1 ms after.
 */
export function changeProbes(
  doc: RulesDocument,
  events: Event[],
  r: Evaluation,
  now: number,
): number[] {
  const timeout = (doc.session?.timeoutMinutes ?? 30) * MINUTE
  const buckets = new Set<number>()
  for (const def of Object.values(doc.metrics)) {
    const window = parseWindow(def.window)
    if (typeof window !== 'string' && window.kind === 'sliding') buckets.add(window.bucketMs)
  }
  const bases: number[] = []
  for (const ts of goodStamps(events)) {
    bases.push(ts + timeout, ...DOC_CONSTANTS.map((c) => ts + c))
    for (const bucketMs of buckets) bases.push(bucketExpiry(bucketOf(ts, bucketMs), bucketMs))
  }
  bases.push(...whenMetricsReach(r, now, DOC_CONSTANTS))
  // Instants are whole milliseconds: a base between two (25.5 ms) has both of them around it.
  const instants = bases.map(Math.floor).flatMap((b) => [b - 1, b, b + 1, b + 2])
  return [...new Set(instants)]
}

// ---------------------------------------------------------------------------------------------
// Comparison

/**
 * Differences between `actual` and `expected`. Non-integer numbers compare with a relative tolerance
 * of 1e-9 (sums and averages may be summed in another order), integers and everything else exactly;
 * `exact` turns the tolerance off.
 */
export function differences(
  actual: unknown,
  expected: unknown,
  path = '',
  exact = false,
): string[] {
  if (typeof actual === 'number' && typeof expected === 'number') {
    if (Object.is(actual, expected)) return []
    const scale = Math.max(1, Math.abs(actual), Math.abs(expected))
    const tolerate = !exact && !(Number.isInteger(actual) && Number.isInteger(expected))
    return tolerate && Math.abs(actual - expected) <= 1e-9 * scale
      ? []
      : [`${path}: ${actual} ≠ expected ${expected}`]
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null
  if (isObj(actual) && isObj(expected) && Array.isArray(actual) === Array.isArray(expected)) {
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)])
    return [...keys].flatMap((k) =>
      differences(actual[k], expected[k], path ? `${path}.${k}` : k, exact),
    )
  }
  return Object.is(actual, expected) ||
    (actual !== undefined &&
      expected !== undefined &&
      JSON.stringify(actual) === JSON.stringify(expected))
    ? []
    : [`${path}: ${JSON.stringify(actual)} ≠ expected ${JSON.stringify(expected)}`]
}

export function assertSame(
  label: string,
  now: number,
  actual: unknown,
  expected: unknown,
  exact = false,
): void {
  const diffs = differences(actual, expected, '', exact)
  if (diffs.length > 0) {
    throw new Error(
      `${label} at now=${new Date(now).toISOString()} (${now}):\n  ${diffs.join('\n  ')}\n` +
        `actual:   ${JSON.stringify(actual)}\nexpected: ${JSON.stringify(expected)}`,
    )
  }
}
