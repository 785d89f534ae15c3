// The device engine (`loadDeviceRules`: one session, events in order) against the full engine in
// device scope, on generated documents and event streams: same tags, metrics, nextChangeAt and
// explanations. This is the parity the SDK relies on: a tag means the same on the device and the edge.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DeviceState, RulesDocument, TagValue } from '../../rules/index.ts'
import {
  compileRules,
  devicePlan,
  explainOnDevice,
  loadDeviceRules,
  parseEvent,
} from '../../rules/index.ts'
import {
  DAY,
  HOUR,
  MINUTE,
  assertSame,
  checkedNows,
  docArb,
  eventsArb,
  nowOffsetArb,
  thresholdDocArb,
  thresholdEventsArb,
  type Event,
} from '../support/rules-arbitraries.ts'
import catalog from '../../examples/rules/catalog.json' with { type: 'json' }
import { features } from '../../rules/device/rare-chunk.ts'
import { unitFlips } from '../../rules/device/time-chunk.ts'
import { DEVICE_FEATURES } from '../../rules/device/index.ts'

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150)
const TIMEOUT = Math.max(10_000, RUNS * 50)

/** The device engine as the SDK gets it: the plan comes over the wire, as JSON. */
// With the rare features, as the SDK loads them for documents that need them (rare-chunk.ts).
const load = (doc: RulesDocument) =>
  loadDeviceRules(doc, JSON.parse(JSON.stringify(devicePlan(doc))), features)

/**
 * What a device sees: good events only, each once (the SDK makes every event itself, with a fresh
 * messageId), in the order they happen.
 */
function deviceStream(events: Event[]): Event[] {
  const seen = new Set<unknown>()
  const out: { e: Event; ts: number; i: number }[] = []
  events.forEach((e, i) => {
    const parsed = parseEvent(e)
    if (!parsed.ok) return
    if (e.messageId !== undefined) {
      if (seen.has(e.messageId)) return
      seen.add(e.messageId)
    }
    out.push({ e, ts: parsed.event.ts, i })
  })
  return out.sort((a, b) => a.ts - b.ts || a.i - b.i).map((x) => x.e)
}

/** Durable values for the edge tags, as the collector would send them. */
function durableFor(doc: RulesDocument): Record<string, TagValue> {
  const out: Record<string, TagValue> = {}
  const rules = compileRules(doc)
  rules.tags.forEach((t, i) => {
    if (t.evaluatedOn === 'edge' && i % 2 === 0) out[t.id] = i % 4 === 0 ? true : 'durable'
  })
  return out
}

function check(doc: RulesDocument, events: Event[], nows: number[], durable = durableFor(doc)) {
  const full = compileRules(doc)
  const device = load(doc)
  const stream = deviceStream(events)
  const a = full.createState({ maxMessageIds: Infinity })
  const b = device.createState()
  for (const e of stream) {
    a.ingest(e)
    b.ingest(e as never)
  }
  const options = { scope: 'device' as const, durableTags: durable }
  expect(device.tags).toEqual(full.tags)
  for (const now of nows) {
    assertSame('device vs full engine', now, b.evaluate(now, durable), a.evaluate(now, options))
    for (const tag of full.tags.filter((t) => t.evaluatedOn === 'device'))
      assertSame(
        `explain ${tag.id}`,
        now,
        explainOnDevice(doc, tag, b, now, durable),
        a.explain(tag.id, now, options),
      )
  }
  return { device, b, stream }
}

describe('device engine equals the full engine in device scope (parity)', () => {
  it(
    'on generated documents and streams: tags, metrics, nextChangeAt, explain',
    () => {
      fc.assert(
        fc.property(docArb, eventsArb, fc.integer({ min: 0, max: 10 * DAY }), (doc, events, x) => {
          check(doc, events, checkedNows(doc, events, x))
        }),
        { numRuns: RUNS },
      )
    },
    TIMEOUT,
  )

  it(
    'around thresholds of time-growing metrics (since_*, dwell): the same nextChangeAt',
    () => {
      fc.assert(
        fc.property(thresholdDocArb, thresholdEventsArb, nowOffsetArb, (doc, events, offset) => {
          const last = Date.parse(events[events.length - 1]!.timestamp as string)
          check(doc, events, [last, last + offset, last + 20 * MINUTE, last + 2 * HOUR])
        }),
        { numRuns: RUNS },
      )
    },
    TIMEOUT,
  )

  it(
    'snapshot → JSON → restore mid-stream, then continuing, equals an uninterrupted run',
    () => {
      fc.assert(
        fc.property(docArb, eventsArb, fc.nat(), fc.nat(10 * DAY), (doc, events, cut, x) => {
          const nows = checkedNows(doc, events, x)
          const device = load(doc)
          const stream = deviceStream(events)
          const k = cut % (stream.length + 1)
          const whole = device.createState()
          const first = device.createState()
          for (const e of stream) whole.ingest(e as never)
          for (const e of stream.slice(0, k)) first.ingest(e as never)
          const restored = device.createState(JSON.parse(JSON.stringify(first.snapshot())))
          for (const e of stream.slice(k)) restored.ingest(e as never)
          for (const now of nows)
            assertSame(
              'restored vs uninterrupted',
              now,
              restored.evaluate(now, {}),
              whole.evaluate(now, {}),
            )
        }),
        { numRuns: RUNS },
      )
    },
    TIMEOUT,
  )
})

describe('device engine', () => {
  const doc = catalog as unknown as RulesDocument
  const t0 = Date.parse('2026-03-02T10:00:00Z')
  const page = (path: string, at: number) => ({
    type: 'page' as const,
    anonymousId: 'a',
    timestamp: new Date(at).toISOString(),
    properties: { path },
  })
  const ingest = (state: DeviceState, events: ReturnType<typeof page>[]) =>
    events.forEach((e) => state.ingest(e))
  /** `events` leave the state `like` leaves, with some tag present 12 s after the first event. */
  const expectSame = (events: ReturnType<typeof page>[], like: ReturnType<typeof page>[]) => {
    const rules = load(doc)
    const [state, expected] = [rules.createState(), rules.createState()]
    ingest(state, events)
    ingest(expected, like)
    const want = expected.evaluate(t0 + 12_000, {})
    expect(Object.keys(want.tags)).not.toEqual([])
    expect(state.evaluate(t0 + 12_000, {})).toEqual(want)
  }

  it('evaluates the example catalog like the edge does for a device journey', () => {
    const events = [
      page('/', t0),
      page('/checkout/payment', t0 + 5_000),
      {
        type: 'track',
        event: 'Coupon Claimed',
        anonymousId: 'a',
        timestamp: new Date(t0 + 6_000).toISOString(),
        properties: { coupon_id: 'c1' },
      },
    ] as Event[]
    const { b } = check(doc, events, [t0 + 6_000, t0 + 16_000, t0 + 40 * MINUTE])
    expect(Object.keys(b.evaluate(t0 + 16_000, {}).tags).length).toBeGreaterThan(0)
  })

  it('a session timeout in minutes that is no whole number of ms ends on a whole ms, on both engines', () => {
    // A third of a minute is 19999.999999999996 ms in binary: the session must end at 20 s, and
    // the time the SDK and the collector wait for must be a whole ms, the timestamps' resolution.
    const thirds: RulesDocument = {
      version: 1,
      session: { timeoutMinutes: 1 / 3 },
      metrics: { views: { events: { type: 'page' }, agg: 'count', window: 'session' } },
      tags: { browsing: { when: { '>=': [{ var: 'metrics.views' }, 1] } } },
    }
    const events = [page('/', t0)] as Event[]
    const { b } = check(thirds, events, [t0, t0 + 19_999, t0 + 20_000], {})
    expect(b.evaluate(t0, {}).nextChangeAt).toBe(t0 + 20_000)
    const edge = compileRules(thirds).createState()
    edge.ingest(events[0]!)
    expect(edge.evaluate(t0).nextChangeAt).toBe(t0 + 20_000)
    expect(edge.evaluate(t0 + 19_999).tags).toEqual({ browsing: true })
    expect(edge.evaluate(t0 + 20_000).tags).toEqual({})
  })

  it('counts an event from a clock set back at the latest time, so sessions stay in order', () => {
    expectSame(
      [page('/', t0), page('/checkout/payment', t0 - HOUR)],
      [page('/', t0), page('/checkout/payment', t0)],
    )
  })

  it('ignores an event without a parseable timestamp, without losing the session', () => {
    const pay = page('/checkout/payment', t0 + 1000)
    expectSame([page('/', t0), { ...page('/a', t0), timestamp: 'soon' }, pay], [page('/', t0), pay])
  })

  it('keeps the data of unchanged metrics when a restored snapshot meets new rules', () => {
    const before = load(doc)
    const state = before.createState()
    ingest(state, [page('/checkout/payment', t0), page('/', t0 + 20_000)])
    const ids = Object.keys(before.createState().evaluate(t0, {}).metrics)
    const [described, redefined] = [ids[0]!, ids[1]!]
    const edited = structuredClone(doc)
    edited.metrics[described] = { ...edited.metrics[described]!, description: 'same, described' }
    edited.metrics[redefined] = { agg: 'count', window: 'session' }
    const restored = load(edited).createState(state.snapshot())
    const values = restored.evaluate(t0 + 21_000, {}).metrics
    const original = state.evaluate(t0 + 21_000, {}).metrics
    expect(values[described]).toEqual(original[described])
    expect(values[redefined]).toBe(0)
  })

  it('runs on a plan cached before plans had fingerprints, and keeps its data within the version', () => {
    const { fingerprints: _, ...older } = JSON.parse(JSON.stringify(devicePlan(doc)))
    const rules = loadDeviceRules(doc, older, features)
    const state = rules.createState()
    ingest(state, [page('/checkout/payment', t0), page('/', t0 + 20_000)])
    const restored = loadDeviceRules(doc, older, features).createState(state.snapshot())
    const now = t0 + 21_000
    expect(restored.evaluate(now, {})).toEqual(state.evaluate(now, {}))
    // Under a plan with fingerprints, that data counts as from other definitions: dropped once.
    const upgraded = load(doc).createState(state.snapshot())
    expect(upgraded.evaluate(now, {}).metrics).toEqual(
      load(doc).createState().evaluate(now, {}).metrics,
    )
    expect(upgraded.evaluate(now, {}).metrics).not.toEqual(state.evaluate(now, {}).metrics)
  })

  it('refuses rules with time-dependent device tags without the time search', () => {
    const plan = devicePlan(catalog as unknown as RulesDocument)
    expect(plan.units.length).toBeGreaterThan(0)
    expect(() => loadDeviceRules(catalog as unknown as RulesDocument, plan)).toThrow(/unitFlips/)
    expect(() =>
      loadDeviceRules(catalog as unknown as RulesDocument, plan, { ...DEVICE_FEATURES, unitFlips }),
    ).not.toThrow()
  })

  it('refuses a snapshot that is not a device snapshot', () => {
    const rules = load(doc)
    expect(() => rules.createState(compileRules(doc).createState().snapshot())).toThrow(
      /not a tagwise device snapshot/,
    )
    const { fingerprints: _, ...partial } = rules.createState().snapshot()
    expect(() => rules.createState(partial)).toThrow(/not a tagwise device snapshot/)
  })

  it('gives explanations the data device tags see: edge tags as the edge sent them', () => {
    const rules = load(doc)
    const state = rules.createState()
    const edge = rules.tags.find((t) => t.evaluatedOn === 'edge')!
    const data = state.data(t0, { [edge.id]: 'from the edge' })
    expect(data.tags[edge.id]).toBe('from the edge')
    expect(data.now).toBe(t0)
  })
})
