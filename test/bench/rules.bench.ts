// Evaluating a compiled 20-tag document (spec: rules.md §5), against baselines in the same process:
// the same logic hand-written as plain JS closures (1.0), json-logic-engine (`run`, CSP-safe, and
// `build`, which uses `new Function`: a reference only) and json-logic-js. Ours twice: compiled
// with slots as the engine compiles tags (`var` of metrics.* / tags.* / now read from `data.v`),
// and as plain `compileLogic(rule)` (every `var` walks the objects). Then the public API end to end
// with the real catalog: `state.evaluate(now)` and `state.ingest(event)`.
//
// Method: every candidate evaluates all 20 expressions on one of 8 realistic data objects (taken
// from real profile states, so nothing folds to a constant) and counts the truthy results (so
// nothing is dead code). After a warm-up, each round runs every candidate for one batch of about
// 25 ms, in an order that rotates between rounds; figures are medians over the rounds, and ratios
// are medians of the per-round ratios (both sides measured moments apart). No timed assertions.
import { readFileSync } from 'node:fs'
import { LogicEngine } from 'json-logic-engine'
import jsonLogic from 'json-logic-js'
import { compileEdgeLogic, compileLogic } from '../../rules/edge/logic.ts'
import { compileRules, parseEvent, truthy } from '../../rules/index.ts'
import type { Evaluate, ProfileState, TagValue } from '../../rules/index.ts'
import { generateEvents } from '../support/events.ts'
import { fmt, gc, median, settledGc, table, verdict } from './harness.ts'
import { largestDocumentFigures } from './largest-document-figures.ts'

const SECOND = 1000
const DAY = 86_400_000

/** The metrics the 20 expressions read (the catalog's, as `state.evaluate` returns them). */
interface Metrics {
  checkout_dwell_session: number
  checkout_pages_session: number
  orders_session: number
  visa_pages_session: number
  product_views_session: number
  top_category_session: string | null
  luggage_views_session: number
  coupon_claims_30d: number
  orders_90d: number
  coupon_orders_90d: number
  checkout_pages_7d: number
  orders_7d: number
  product_views_30d: number
  orders_lifetime: number
  since_last_order: number | null
  since_first_order: number | null
  orders_30d: number
  revenue_30d: number
  revenue_lifetime: number
  orders_365d: number
  revenue_365d: number
  top_category_30d: string | null
  last_visa_page_30d: string | null
  flights_365d: number
  business_flights_365d: number
  lcp_avg_7d: number | null
  slow_pages_7d: number
}

/** The shape of the engine's tag data (rules/tags.ts `TagData`), `v` included. */
interface Data {
  metrics: Metrics
  tags: Record<string, TagValue | null>
  traits: Record<string, unknown>
  now: number
  /** Metric values (document order), tag values (evaluation order), then `now`: see `slot`. */
  v: unknown[]
}

type Hand = (d: Data) => unknown

interface Bench {
  id: string
  /** Whether the catalog tag is a flag (present iff truthy) rather than a valued tag. */
  flag: boolean
  rule: object
  hand: Hand
}

const v = (path: string) => ({ var: path })

// The catalog's tags (examples/rules/catalog.json), each as one JsonLogic expression: flags as
// they are, `tiers` as nested ifs returning the label, `cases` as an if-chain. Next to each, the
// same logic as a developer would hand-write it.
const TAGS: Bench[] = [
  {
    id: 'checkout_hesitant',
    flag: true,
    rule: { '>': [v('metrics.checkout_dwell_session'), { seconds: 10 }] },
    hand: (d) => d.metrics.checkout_dwell_session > 10 * SECOND,
  },
  {
    id: 'cart_open',
    flag: true,
    rule: {
      and: [
        { '>=': [v('metrics.checkout_pages_session'), 1] },
        { '===': [v('metrics.orders_session'), 0] },
      ],
    },
    hand: (d) => d.metrics.checkout_pages_session >= 1 && d.metrics.orders_session === 0,
  },
  {
    id: 'travel_intent',
    flag: true,
    rule: { '>=': [v('metrics.visa_pages_session'), 1] },
    hand: (d) => d.metrics.visa_pages_session >= 1,
  },
  {
    id: 'browsing_category',
    flag: false,
    rule: {
      if: [
        { '>=': [v('metrics.product_views_session'), 2] },
        v('metrics.top_category_session'),
        null,
      ],
    },
    hand: (d) => (d.metrics.product_views_session >= 2 ? d.metrics.top_category_session : null),
  },
  {
    id: 'luggage_cross_sell',
    flag: true,
    rule: {
      and: [
        {
          or: [
            { '!!': [v('tags.travel_intent')] },
            { '===': [v('metrics.top_category_session'), 'flights'] },
          ],
        },
        { '===': [v('metrics.luggage_views_session'), 0] },
      ],
    },
    hand: (d) =>
      (!!d.tags.travel_intent || d.metrics.top_category_session === 'flights') &&
      d.metrics.luggage_views_session === 0,
  },
  {
    id: 'coupon_hunter',
    flag: true,
    rule: {
      or: [
        { '>=': [v('metrics.coupon_claims_30d'), 3] },
        {
          and: [
            { '>=': [v('metrics.orders_90d'), 3] },
            { '>=': [{ '*': [v('metrics.coupon_orders_90d'), 2] }, v('metrics.orders_90d')] },
          ],
        },
      ],
    },
    hand: (d) =>
      d.metrics.coupon_claims_30d >= 3 ||
      (d.metrics.orders_90d >= 3 && d.metrics.coupon_orders_90d * 2 >= d.metrics.orders_90d),
  },
  {
    id: 'cart_abandoner',
    flag: true,
    rule: {
      and: [{ '>=': [v('metrics.checkout_pages_7d'), 1] }, { '===': [v('metrics.orders_7d'), 0] }],
    },
    hand: (d) => d.metrics.checkout_pages_7d >= 1 && d.metrics.orders_7d === 0,
  },
  {
    id: 'window_shopper',
    flag: true,
    rule: {
      and: [
        { '>=': [v('metrics.product_views_30d'), 10] },
        { '===': [v('metrics.orders_lifetime'), 0] },
      ],
    },
    hand: (d) => d.metrics.product_views_30d >= 10 && d.metrics.orders_lifetime === 0,
  },
  {
    id: 'lifecycle_stage',
    flag: false,
    rule: {
      if: [
        { '===': [v('metrics.orders_lifetime'), 0] },
        'prospect',
        {
          and: [
            { '!==': [v('metrics.since_last_order'), null] },
            { '>': [v('metrics.since_last_order'), { days: 90 }] },
          ],
        },
        'churned',
        {
          and: [
            { '!==': [v('metrics.since_last_order'), null] },
            { '>': [v('metrics.since_last_order'), { days: 45 }] },
          ],
        },
        'declining',
        {
          and: [
            { '!==': [v('metrics.since_first_order'), null] },
            { '<': [v('metrics.since_first_order'), { days: 30 }] },
          ],
        },
        'new',
        { '>=': [v('metrics.orders_lifetime'), 4] },
        'mature',
        'growing',
      ],
    },
    hand: (d) => {
      const m = d.metrics
      if (m.orders_lifetime === 0) return 'prospect'
      if (m.since_last_order !== null && m.since_last_order > 90 * DAY) return 'churned'
      if (m.since_last_order !== null && m.since_last_order > 45 * DAY) return 'declining'
      if (m.since_first_order !== null && m.since_first_order < 30 * DAY) return 'new'
      return m.orders_lifetime >= 4 ? 'mature' : 'growing'
    },
  },
  {
    id: 'spend_tier_30d',
    flag: false,
    rule: {
      if: [
        { '>': [v('metrics.orders_30d'), 0] },
        {
          if: [
            { '>=': [v('metrics.revenue_30d'), 1500] },
            'high',
            { '>=': [v('metrics.revenue_30d'), 300] },
            'mid',
            'low',
          ],
        },
        null,
      ],
    },
    hand: (d) => {
      const m = d.metrics
      if (!(m.orders_30d > 0)) return null
      return m.revenue_30d >= 1500 ? 'high' : m.revenue_30d >= 300 ? 'mid' : 'low'
    },
  },
  {
    id: 'spend_tier_lifetime',
    flag: false,
    rule: {
      if: [
        { '>': [v('metrics.orders_lifetime'), 0] },
        {
          if: [
            { '>=': [v('metrics.revenue_lifetime'), 10000] },
            'platinum',
            { '>=': [v('metrics.revenue_lifetime'), 2500] },
            'gold',
            { '>=': [v('metrics.revenue_lifetime'), 500] },
            'silver',
            'bronze',
          ],
        },
        null,
      ],
    },
    hand: (d) => {
      const m = d.metrics
      if (!(m.orders_lifetime > 0)) return null
      const r = m.revenue_lifetime
      return r >= 10000 ? 'platinum' : r >= 2500 ? 'gold' : r >= 500 ? 'silver' : 'bronze'
    },
  },
  {
    id: 'rfm_score',
    flag: false,
    rule: {
      if: [
        { '!==': [v('metrics.since_last_order'), null] },
        {
          cat: [
            'R',
            {
              if: [
                { '<=': [v('metrics.since_last_order'), { days: 30 }] },
                3,
                { '<=': [v('metrics.since_last_order'), { days: 90 }] },
                2,
                1,
              ],
            },
            'F',
            {
              if: [
                { '>=': [v('metrics.orders_365d'), 6] },
                3,
                { '>=': [v('metrics.orders_365d'), 2] },
                2,
                1,
              ],
            },
            'M',
            {
              if: [
                { '>=': [v('metrics.revenue_365d'), 3000] },
                3,
                { '>=': [v('metrics.revenue_365d'), 800] },
                2,
                1,
              ],
            },
          ],
        },
        null,
      ],
    },
    hand: (d) => {
      const m = d.metrics
      const last = m.since_last_order
      if (last === null) return null
      const r = last <= 30 * DAY ? 3 : last <= 90 * DAY ? 2 : 1
      const f = m.orders_365d >= 6 ? 3 : m.orders_365d >= 2 ? 2 : 1
      const s = m.revenue_365d >= 3000 ? 3 : m.revenue_365d >= 800 ? 2 : 1
      return `R${r}F${f}M${s}`
    },
  },
  {
    id: 'value_segment',
    flag: false,
    rule: {
      if: [
        {
          and: [
            { '!==': [v('metrics.since_last_order'), null] },
            { '<=': [v('metrics.since_last_order'), { days: 30 }] },
            { '>=': [v('metrics.orders_365d'), 6] },
            { '>=': [v('metrics.revenue_365d'), 3000] },
          ],
        },
        'champion',
        {
          and: [
            { '!==': [v('metrics.since_last_order'), null] },
            { '<=': [v('metrics.since_last_order'), { days: 90 }] },
            { '>=': [v('metrics.orders_365d'), 3] },
          ],
        },
        'loyal',
        {
          and: [
            { '!==': [v('metrics.since_last_order'), null] },
            { '>': [v('metrics.since_last_order'), { days: 90 }] },
            { '>=': [v('metrics.orders_lifetime'), 2] },
          ],
        },
        'at_risk',
        {
          and: [
            { '!==': [v('metrics.since_last_order'), null] },
            { '>': [v('metrics.since_last_order'), { days: 90 }] },
          ],
        },
        'hibernating',
        { '>': [v('metrics.orders_lifetime'), 0] },
        'promising',
        null,
      ],
    },
    hand: (d) => {
      const m = d.metrics
      const last = m.since_last_order
      if (last !== null && last <= 30 * DAY && m.orders_365d >= 6 && m.revenue_365d >= 3000)
        return 'champion'
      if (last !== null && last <= 90 * DAY && m.orders_365d >= 3) return 'loyal'
      if (last !== null && last > 90 * DAY && m.orders_lifetime >= 2) return 'at_risk'
      if (last !== null && last > 90 * DAY) return 'hibernating'
      return m.orders_lifetime > 0 ? 'promising' : null
    },
  },
  {
    id: 'top_interest',
    flag: false,
    rule: {
      if: [{ '>=': [v('metrics.product_views_30d'), 3] }, v('metrics.top_category_30d'), null],
    },
    hand: (d) => (d.metrics.product_views_30d >= 3 ? d.metrics.top_category_30d : null),
  },
  {
    id: 'visa_destination',
    flag: false,
    rule: {
      if: [
        { '!==': [v('metrics.last_visa_page_30d'), null] },
        { substr: [v('metrics.last_visa_page_30d'), 6] },
        null,
      ],
    },
    hand: (d) => {
      const page = d.metrics.last_visa_page_30d
      return page !== null ? page.slice(6) : null
    },
  },
  {
    id: 'business_class_share',
    flag: false,
    rule: {
      if: [
        { '>': [v('metrics.flights_365d'), 0] },
        { '/': [v('metrics.business_flights_365d'), v('metrics.flights_365d')] },
        null,
      ],
    },
    hand: (d) => {
      const m = d.metrics
      return m.flights_365d > 0 ? m.business_flights_365d / m.flights_365d : null
    },
  },
  {
    id: 'business_upgrade_audience',
    flag: true,
    rule: {
      and: [
        { '!!': [v('tags.business_traveler')] },
        {
          or: [
            { '===': [v('tags.spend_tier_30d'), 'high'] },
            { in: [v('tags.spend_tier_lifetime'), ['gold', 'platinum']] },
            { '!!': [v('traits.vip')] },
          ],
        },
        { '!': [{ in: [v('tags.lifecycle_stage'), ['declining', 'churned']] }] },
      ],
    },
    hand: (d) => {
      const t = d.tags
      return (
        !!t.business_traveler &&
        (t.spend_tier_30d === 'high' ||
          t.spend_tier_lifetime === 'gold' ||
          t.spend_tier_lifetime === 'platinum' ||
          !!d.traits.vip) &&
        t.lifecycle_stage !== 'declining' &&
        t.lifecycle_stage !== 'churned'
      )
    },
  },
  {
    id: 'travel_bundle_audience',
    flag: true,
    rule: {
      and: [
        {
          or: [{ '!!': [v('tags.travel_intent')] }, { '!==': [v('tags.visa_destination'), null] }],
        },
        { '!': [v('tags.business_traveler')] },
      ],
    },
    hand: (d) =>
      (!!d.tags.travel_intent || d.tags.visa_destination !== null) && !d.tags.business_traveler,
  },
  {
    id: 'vip_checkout_rescue',
    flag: true,
    rule: {
      and: [
        { '!!': [v('tags.checkout_hesitant')] },
        {
          or: [
            { '!!': [v('traits.vip')] },
            { in: [v('tags.value_segment'), ['champion', 'loyal']] },
          ],
        },
      ],
    },
    hand: (d) =>
      !!d.tags.checkout_hesitant &&
      (!!d.traits.vip || d.tags.value_segment === 'champion' || d.tags.value_segment === 'loyal'),
  },
  {
    id: 'poor_page_experience',
    flag: true,
    rule: {
      or: [
        {
          and: [
            { '!==': [v('metrics.lcp_avg_7d'), null] },
            { '>': [v('metrics.lcp_avg_7d'), 4000] },
          ],
        },
        { '>=': [v('metrics.slow_pages_7d'), 3] },
      ],
    },
    hand: (d) =>
      (d.metrics.lcp_avg_7d !== null && d.metrics.lcp_avg_7d > 4000) ||
      d.metrics.slow_pages_7d >= 3,
  },
]

// ---------------------------------------------------------------------------------------------
// Realistic data: profiles of a generated stream, evaluated by the real catalog at a moment
// inside their activity (so session metrics are live) or, for the churned one, at the end.

const catalogText = readFileSync('examples/rules/catalog.json', 'utf8')
const rules = compileRules(catalogText)
const SEED = 3
const events = generateEvents({ seed: SEED, visitors: 40, days: 120 })
const visitorOf = (e: Record<string, unknown>) => parseInt(String(e.messageId).split('-')[1]!, 36)
const byVisitor = new Map<number, Record<string, unknown>[]>()
for (const e of events) {
  const k = visitorOf(e)
  let list = byVisitor.get(k)
  if (!list) byVisitor.set(k, (list = []))
  list.push(e)
}
const tsOf = (e: Record<string, unknown>) => Date.parse(String(e.timestamp))
const streamEnd = tsOf(events[events.length - 1]!)

/** Visitors 0-7 cover every persona; each is cut at a different point of its history. */
const CUTS = [0.9, 0.8, 0.95, 0.7, 1, 0.6, 1, 0.85]
const profiles = CUTS.map((cut, index) => {
  const all = byVisitor.get(index)!
  const fed = all.slice(0, Math.max(1, Math.round(all.length * cut)))
  const state = rules.createState()
  for (const e of fed) state.ingest(e)
  const now = index === 4 ? streamEnd : tsOf(fed[fed.length - 1]!) + 5 * SECOND
  return { index, events: fed.length, state, now }
})

// The engine's slot layout (rules/tags.ts `slotsFor`), from the public `Rules` facts.
const slotIndex = new Map<string, number>()
for (const id of rules.metricIds) slotIndex.set(`metrics.${id}`, slotIndex.size)
for (const tag of rules.tags) slotIndex.set(`tags.${tag.id}`, slotIndex.size)
slotIndex.set('now', slotIndex.size)
const slot = (path: string) => slotIndex.get(path)

// The hand-written closures read the objects as a parsed JSON document would hold them: objects in
// V8's fast mode, one shape per kind. As built here before, they were dictionaries (the tags, whose
// object was filled with computed keys, and the first profile's metrics), where every property read
// is a hash lookup: that measured the objects' mode, not the hand-written logic, and made it twice
// as slow as it is. The engine reads `v`, built from the same values.
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value))

const DATA: Data[] = profiles.map(({ state, now }) => {
  const evaluation = state.evaluate(now)
  const tags: Record<string, TagValue | null> = {}
  for (const tag of rules.tags) tags[tag.id] = evaluation.tags[tag.id] ?? null
  const metrics = evaluation.metrics
  const v = [
    ...rules.metricIds.map((id) => metrics[id] ?? null),
    ...rules.tags.map((tag) => tags[tag.id]),
    now,
  ]
  const traits = state.traits()
  return {
    metrics: plain(metrics) as unknown as Metrics,
    tags: plain(tags),
    traits: plain(traits),
    now,
    v,
  }
})
const MASK = DATA.length - 1 // 8 data objects: `i & MASK` picks one

// ---------------------------------------------------------------------------------------------
// Candidates. Each gets its own loop function (same body, separate literals) so that V8's call
// feedback in one loop never sees another candidate's functions.

const RULES = TAGS.map((t) => t.rule)
const HAND: Hand[] = TAGS.map((t) => t.hand)
const OURS: Evaluate[] = RULES.map((rule) => compileEdgeLogic(rule, { slot }))
const PLAIN: Evaluate[] = RULES.map((rule) => compileLogic(rule))

const engine = new LogicEngine()
const durations = { days: DAY, hours: 3_600_000, minutes: 60_000, seconds: SECOND }
for (const [name, ms] of Object.entries(durations)) {
  engine.addMethod(name, { method: ([n]: number[]) => n! * ms, deterministic: true })
  jsonLogic.add_operation(name, (n: number) => n * ms)
}
const BUILT = RULES.map((rule) => engine.build(rule) as (d: unknown) => unknown)

function loopHand(n: number): number {
  let sink = 0
  for (let i = 0; i < n; i++) {
    const d = DATA[i & MASK]!
    for (let j = 0; j < HAND.length; j++) if (HAND[j]!(d)) sink++
  }
  return sink
}

function loopOurs(n: number): number {
  let sink = 0
  for (let i = 0; i < n; i++) {
    const d = DATA[i & MASK]!
    for (let j = 0; j < OURS.length; j++) if (OURS[j]!(d)) sink++
  }
  return sink
}

function loopPlain(n: number): number {
  let sink = 0
  for (let i = 0; i < n; i++) {
    const d = DATA[i & MASK]!
    for (let j = 0; j < PLAIN.length; j++) if (PLAIN[j]!(d)) sink++
  }
  return sink
}

function loopBuild(n: number): number {
  let sink = 0
  for (let i = 0; i < n; i++) {
    const d = DATA[i & MASK]!
    for (let j = 0; j < BUILT.length; j++) if (BUILT[j]!(d)) sink++
  }
  return sink
}

function loopEngineRun(n: number): number {
  let sink = 0
  for (let i = 0; i < n; i++) {
    const d = DATA[i & MASK]!
    for (let j = 0; j < RULES.length; j++) if (engine.run(RULES[j], d)) sink++
  }
  return sink
}

function loopJsonLogic(n: number): number {
  let sink = 0
  for (let i = 0; i < n; i++) {
    const d = DATA[i & MASK]!
    for (let j = 0; j < RULES.length; j++) if (jsonLogic.apply(RULES[j], d)) sink++
  }
  return sink
}

interface Candidate {
  name: string
  loop: (n: number) => number
  /** Evaluations (of all 20 expressions) per batch, set by calibration. */
  batch: number
  samples: number[]
}

const candidates: Candidate[] = [
  { name: 'hand-written JS closures', loop: loopHand, batch: 0, samples: [] },
  { name: 'tagwise, slots (as the engine)', loop: loopOurs, batch: 0, samples: [] },
  { name: 'tagwise, plain compileLogic(rule)', loop: loopPlain, batch: 0, samples: [] },
  { name: 'json-logic-engine build (new Function)', loop: loopBuild, batch: 0, samples: [] },
  { name: 'json-logic-engine run', loop: loopEngineRun, batch: 0, samples: [] },
  { name: 'json-logic-js apply', loop: loopJsonLogic, batch: 0, samples: [] },
]
const [HAND_C, OURS_C, PLAIN_C, BUILD_C, RUN_C, JLJS_C] = candidates as [
  Candidate,
  Candidate,
  Candidate,
  Candidate,
  Candidate,
  Candidate,
]

// ---------------------------------------------------------------------------------------------
// Check once, before timing: every candidate gives the same result for every tag and data object,
// and the hand-written logic gives the tag values the engine itself computed for the catalog.

function checkResults(): void {
  const show = (x: unknown) => (x === undefined ? 'undefined' : JSON.stringify(x))
  const runners: [string, (j: number, d: Data) => unknown][] = [
    ['tagwise, slots', (j, d) => OURS[j]!(d)],
    ['tagwise, plain', (j, d) => PLAIN[j]!(d)],
    ['json-logic-engine build', (j, d) => BUILT[j]!(d)],
    ['json-logic-engine run', (j, d) => engine.run(RULES[j], d)],
    ['json-logic-js apply', (j, d) => jsonLogic.apply(RULES[j], d)],
  ]
  const mismatches: string[] = []
  const drift: string[] = []
  DATA.forEach((d, k) => {
    TAGS.forEach((tag, j) => {
      const expected = show(tag.hand(d))
      for (const [name, run] of runners) {
        let got: string
        try {
          got = show(run(j, d))
        } catch (error) {
          got = `threw ${(error as Error).message ?? String(error)}`
        }
        if (got !== expected)
          mismatches.push(`  data #${k}, ${tag.id}: hand-written ${expected}, ${name} ${got}`)
      }
      const raw = tag.hand(d)
      const value = tag.flag
        ? truthy(raw)
          ? true
          : null
        : raw === null || raw === undefined || raw === false || raw === ''
          ? null
          : raw
      if (show(value) !== show(d.tags[tag.id]))
        drift.push(`  data #${k}, ${tag.id}: here ${show(value)}, engine ${show(d.tags[tag.id])}`)
    })
  })
  if (mismatches.length > 0) {
    console.error(`RESULT MISMATCH (${mismatches.length}): candidates disagree\n`)
    console.error(mismatches.join('\n'))
    process.exit(1)
  }
  const values = new Set(DATA.flatMap((d) => TAGS.map((t) => show(t.hand(d)))))
  console.log(
    `results: all ${candidates.length} candidates agree on ${TAGS.length} tags × ${DATA.length} data objects ` +
      `(${values.size} distinct values)`,
  )
  if (drift.length > 0) {
    console.log(`warning: the bench's rules differ from examples/rules/catalog.json here:`)
    console.log(drift.join('\n'))
  } else {
    console.log(`results: identical to the catalog tags computed by state.evaluate`)
  }
}

// ---------------------------------------------------------------------------------------------

function timeBatch(c: Candidate): number {
  const start = performance.now()
  const sink = c.loop(c.batch)
  const elapsed = performance.now() - start
  if (sink < 0) console.log(sink) // never: keeps the result alive
  return elapsed
}

/** Runs `fn` with a growing count until it takes 10 ms, then sizes the batch for `targetMs`. */
function calibrate(fn: (n: number) => unknown, targetMs: number): number {
  for (let n = 16; ; n *= 2) {
    const start = performance.now()
    fn(n)
    const ms = performance.now() - start
    if (ms >= 10) return Math.max(1, Math.round((n * targetMs) / ms))
  }
}

/** Runs `fn` repeatedly for about `ms` milliseconds. */
function warm(fn: (n: number) => unknown, n: number, ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) fn(n)
}

function microBenchmark(): void {
  const ROUNDS = 21
  const TARGET_MS = 25
  for (let pass = 0; pass < 3; pass++) for (const c of candidates) warm(c.loop, 64, 150)
  for (const c of candidates) c.batch = calibrate(c.loop, TARGET_MS)
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[(round + k) % candidates.length]!
      gc()
      c.samples.push((timeBatch(c) * 1e6) / (c.batch * TAGS.length))
    }
  }
  const ratio = (a: Candidate, b: Candidate) => a.samples.map((x, i) => x / b.samples[i]!)
  const spread = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`

  console.log(
    `\n20-tag document, one evaluation of every tag on one data object ` +
      `(${ROUNDS} rounds × ~${TARGET_MS} ms per candidate; median, min–max):\n`,
  )
  const base = median(HAND_C.samples)
  console.log(
    table([
      ['candidate', 'ns/tag', 'range', 'µs/20 tags', '× hand-written'],
      ...candidates.map((c) => [
        c.name,
        fmt(median(c.samples)),
        spread(c.samples),
        fmt((median(c.samples) * TAGS.length) / 1000),
        fmt(median(c.samples) / base),
      ]),
    ]),
  )
  for (const c of [OURS_C, PLAIN_C]) {
    const ours = ratio(c, HAND_C)
    const run = ratio(RUN_C, c)
    const jljs = ratio(JLJS_C, c)
    const build = ratio(c, BUILD_C)
    // The targets (issue 19, spec rules.md §5) are the engine's, which evaluates by slots; the
    // generic compileLogic path is printed beside it for reference only.
    const against = (value: number, target: number, direction: 'at most' | 'at least') =>
      c === OURS_C ? verdict(value, target, direction) : `${fmt(value)}×  (reference)`
    console.log(`\nratios, ours = ${c.name} (median of per-round ratios, min–max):`)
    console.log(
      table([
        ['ours / hand-written', against(median(ours), 1.5, 'at most'), spread(ours)],
        ['json-logic-engine run / ours', against(median(run), 5, 'at least'), spread(run)],
        ['json-logic-js / ours', against(median(jljs), 40, 'at least'), spread(jljs)],
        ['ours / json-logic-engine build', `${fmt(median(build))}×  (reference)`, spread(build)],
      ]),
    )
  }
}

// ---------------------------------------------------------------------------------------------
// End to end through the public API, with the real catalog.

async function endToEnd(): Promise<void> {
  const ROUNDS = 9
  const states: ProfileState[] = profiles.map((p) => p.state)
  const nows = profiles.map((p) => p.now)
  const evaluateFull = (n: number) => {
    let sink = 0
    for (let i = 0; i < n; i++)
      sink += Object.keys(states[i & MASK]!.evaluate(nows[i & MASK]!).tags).length
    return sink
  }
  const evaluateValues = (n: number) => {
    let sink = 0
    for (let i = 0; i < n; i++) {
      const e = states[i & MASK]!.evaluate(nows[i & MASK]!, { nextChangeAt: false })
      sink += Object.keys(e.tags).length
    }
    return sink
  }

  // Ingest: the whole 40-visitor stream in input order, one fresh state per visitor per round.
  const visitors = events.map(visitorOf)
  const lines = events.map((e) => JSON.stringify(e))
  const ingestAll = () => {
    const fresh = Array.from({ length: byVisitor.size }, () => rules.createState())
    let counted = 0
    for (let i = 0; i < events.length; i++)
      if (fresh[visitors[i]!]!.ingest(events[i]).status === 'counted') counted++
    return counted
  }
  const parseAll = () => {
    let sink = 0
    for (let i = 0; i < lines.length; i++) sink += (JSON.parse(lines[i]!) as object) ? 1 : 0
    return sink
  }
  const validateAll = () => {
    let sink = 0
    for (let i = 0; i < events.length; i++) if (parseEvent(events[i]).ok) sink++
    return sink
  }
  const counted = ingestAll()
  if (counted !== events.length) {
    console.error(`INGEST: only ${counted} of ${events.length} events counted`)
    process.exit(1)
  }

  warm(evaluateFull, 8, 300)
  warm(evaluateValues, 8, 300)
  for (let i = 0; i < 3; i++) (ingestAll(), parseAll(), validateAll())
  const fullBatch = calibrate(evaluateFull, 40)
  const valuesBatch = calibrate(evaluateValues, 40)
  const full: number[] = []
  const values: number[] = []
  const ingest: number[] = []
  const parse: number[] = []
  const validate: number[] = []
  const timed = async (fn: () => unknown) => {
    await settledGc()
    const start = performance.now()
    fn()
    return performance.now() - start
  }
  for (let round = 0; round < ROUNDS; round++) {
    full.push(((await timed(() => evaluateFull(fullBatch))) * 1000) / fullBatch)
    values.push(((await timed(() => evaluateValues(valuesBatch))) * 1000) / valuesBatch)
    ingest.push(((await timed(ingestAll)) * 1000) / events.length)
    parse.push(((await timed(parseAll)) * 1000) / events.length)
    validate.push(((await timed(validateAll)) * 1000) / events.length)
  }
  const fed = profiles.map((p) => p.events)
  const ms = (xs: number[]) => `${fmt(median(xs))} µs`
  const perTag = (xs: number[]) => `${fmt((median(xs) * 1000) / rules.tags.length)} ns/tag`
  console.log(
    `\nend to end, compileRules(examples/rules/catalog.json): ${rules.metricIds.length} metrics, ` +
      `${rules.tags.length} tags; ${ROUNDS} rounds, medians`,
  )
  console.log(
    `\nstate.evaluate(now), 8 profiles fed ${Math.min(...fed)}–${Math.max(...fed)} events each:\n`,
  )
  console.log(
    table([
      ['call', 'per call', 'per catalog tag', 'range'],
      [
        'evaluate(now) (metrics + tags + nextChangeAt)',
        ms(full),
        perTag(full),
        `${fmt(Math.min(...full))}–${fmt(Math.max(...full))}`,
      ],
      [
        'evaluate(now, { nextChangeAt: false })',
        ms(values),
        perTag(values),
        `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`,
      ],
    ]),
  )
  const withNext = full.map((x, i) => x / values[i]!)
  console.log(
    `\nevaluate(now) / evaluate(now, { nextChangeAt: false }) (median of per-round ratios, min–max): ` +
      `${verdict(median(withNext), 2, 'at most')}  ${fmt(Math.min(...withNext))}–${fmt(Math.max(...withNext))}`,
  )
  console.log(
    `the 20-tag expressions alone take ${fmt((median(OURS_C.samples) * TAGS.length) / 1000)} µs`,
  )
  console.log(
    `\nstate.ingest(event), ${events.length} events of ${byVisitor.size} visitors ` +
      `(avg ${fmt(lines.reduce((a, l) => a + l.length, 0) / lines.length)} bytes of JSON):\n`,
  )
  console.log(
    table([
      ['step', 'µs/event', 'events/s', '× JSON.parse'],
      ...(
        [
          ['JSON.parse(line) (baseline)', parse],
          ['parseEvent(event) (validation only)', validate],
          ['state.ingest(event)', ingest],
        ] as const
      ).map(([name, xs]) => [
        name,
        fmt(median(xs)),
        fmt(1e6 / median(xs)),
        fmt(median(xs) / median(parse)),
      ]),
    ]),
  )
}

// ---------------------------------------------------------------------------------------------
// Dense profiles: many buckets per profile (a heavy visitor; a catalog of many sliding windows).
// Reference figures, no target: the ≤ 2× target above is the catalog's on the 8 profiles. Before
// the buckets were grouped by metric (issue 19), a fold read every bucket of the profile: the
// 100-metric profile took 180 ms per evaluate(now), 2.3 ms without nextChangeAt.

/** A state of `dense` fed `count` events `everyMs` apart, the i-th `event(i)`; `now` the next. */
function denseState(
  dense: ReturnType<typeof compileRules>,
  count: number,
  everyMs: number,
  event: (i: number) => Record<string, unknown>,
): { state: ProfileState; now: number } {
  const state = dense.createState()
  const start = Date.parse('2025-01-01T00:00:00Z')
  for (let i = 0; i < count; i++)
    state.ingest({
      ...event(i),
      anonymousId: 'dense',
      messageId: `dense-${i}`,
      timestamp: new Date(start + i * everyMs).toISOString(),
    })
  return { state, now: start + count * everyMs }
}

async function denseProfiles(): Promise<void> {
  const ROUNDS = 7
  const kinds = ['Product Viewed', 'Order Completed', 'Coupon Claimed', 'Page Left']
  const heavy = denseState(rules, 365 * 24, 3_600_000, (i) =>
    i % 5 === 0
      ? { type: 'page', properties: { path: i % 2 ? '/checkout/pay' : '/visa/fr' } }
      : {
          type: 'track',
          event: kinds[(i % 5) - 1],
          properties: {
            category: ['luggage', 'visas', 'hotels'][i % 3],
            revenue: 10 + (i % 7),
            product_type: 'flight',
            destination: `d${i % 9}`,
            lead_days: i % 30,
            lcp_ms: 1000 + (i % 5000),
          },
        },
  )
  const metrics: Record<string, unknown> = {}
  const tags: Record<string, unknown> = {}
  for (let m = 0; m < 100; m++) {
    metrics[`m${m}`] = { events: { event: `E${m % 10}` }, agg: 'count', window: '7d' }
    tags[`t${m}`] = { when: { '>': [{ var: `metrics.m${m}` }, 3] } }
  }
  const wide = denseState(
    compileRules({ version: 1, metrics, tags } as never),
    7 * 24 * 10,
    360_000,
    (i) => ({ type: 'track', event: `E${i % 10}` }),
  )
  console.log(`
dense profiles (reference; ${ROUNDS} rounds, medians):
`)
  const rows = [['profile', 'evaluate(now)', 'without nextChangeAt', 'ratio']]
  for (const [name, { state, now }] of [
    ['the catalog, one visitor, an event an hour for a year (8,760)', heavy],
    ['100 sliding 7d metrics, a tag each, 10 events an hour for a week (6,000 buckets)', wide],
  ] as const) {
    const full = (n: number) => {
      for (let i = 0; i < n; i++) state.evaluate(now + i)
      return n
    }
    const values = (n: number) => {
      for (let i = 0; i < n; i++) state.evaluate(now + i, { nextChangeAt: false })
      return n
    }
    warm(full, 4, 200)
    warm(values, 4, 200)
    const fullBatch = calibrate(full, 40)
    const valuesBatch = calibrate(values, 40)
    const withNext: number[] = []
    const without: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      await settledGc()
      let start = performance.now()
      full(fullBatch)
      withNext.push(((performance.now() - start) * 1000) / fullBatch)
      start = performance.now()
      values(valuesBatch)
      without.push(((performance.now() - start) * 1000) / valuesBatch)
    }
    const ratios = withNext.map((x, i) => x / without[i]!)
    rows.push([
      name,
      `${fmt(median(withNext))} µs`,
      `${fmt(median(without))} µs`,
      `${fmt(median(ratios))}×`,
    ])
  }
  console.log(table(rows))
}

console.log(`node ${process.version}, ${TAGS.length} tags, ${DATA.length} data objects`)
checkResults()
microBenchmark()
await endToEnd()
await denseProfiles()
await largestDocumentFigures(catalogText)
