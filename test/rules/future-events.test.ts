// Events dated after they are received (`ProfileState.ingest(event, now)`): they count from their
// timestamp on, never earlier — the edge's rule, and the CLI's (events after `now` are not counted).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileRules, type ProfileState, type Rules } from '../../rules/index.ts'
import {
  assertSame,
  DAY,
  docArb,
  eventsArb,
  HOUR,
  tsOf,
  type Event,
} from '../support/rules-arbitraries.ts'

const T0 = Date.parse('2026-03-01T12:00:00Z')
const RULES = compileRules({
  version: 1,
  metrics: {
    orders: { events: { event: 'Order Completed' }, agg: 'count', window: 'lifetime' },
    orders_7d: { events: { event: 'Order Completed' }, agg: 'count', window: '7d' },
    last_plan: {
      events: { type: 'identify' },
      agg: 'last',
      field: 'traits.plan',
      window: 'lifetime',
    },
  },
  tags: { buyer: { when: { '>': [{ var: 'metrics.orders' }, 0] } } },
})

const order = (id: string, at: number) => ({
  type: 'track',
  event: 'Order Completed',
  anonymousId: 'a',
  messageId: id,
  timestamp: new Date(at).toISOString(),
})

describe('ProfileState.ingest(event, now)', () => {
  it('keeps an event dated after `now` pending: not counted until its time, which nextChangeAt names', () => {
    const state = RULES.createState()
    expect(state.ingest(order('m1', T0 - HOUR), T0).status).toBe('counted')
    expect(state.ingest(order('m2', T0 + HOUR), T0).status).toBe('pending')
    const now = state.evaluate(T0)
    expect(now.metrics.orders).toBe(1)
    expect(now.nextChangeAt).toBe(T0 + HOUR)
    expect(state.evaluate(T0 + HOUR - 1).metrics.orders).toBe(1)
    const due = state.evaluate(T0 + HOUR)
    expect(due.metrics).toMatchObject({ orders: 2, orders_7d: 2 })
    expect(due.nextChangeAt).not.toBe(T0 + HOUR)
  })

  it('counts a pending identify’s traits only when due, and a retry while it waits is a duplicate', () => {
    const state = RULES.createState()
    const identify = {
      type: 'identify',
      anonymousId: 'a',
      messageId: 'i1',
      timestamp: new Date(T0 + DAY).toISOString(),
      traits: { plan: 'gold' },
    }
    expect(state.ingest(identify, T0).status).toBe('pending')
    expect(state.ingest(identify, T0 + 1).status).toBe('duplicate')
    expect(state.traits()).toEqual({})
    expect(state.evaluate(T0 + DAY).metrics.last_plan).toBe('gold')
    expect(state.traits()).toEqual({ plan: 'gold' })
  })

  it('keeps pending events through a snapshot and an identity merge', () => {
    const state = RULES.createState()
    state.ingest(order('m1', T0 + HOUR), T0)
    const restored = RULES.restore(JSON.parse(JSON.stringify(state.snapshot())))
    expect(restored.evaluate(T0).metrics.orders).toBe(0)
    const user = RULES.createState()
    user.ingest(order('m2', T0 - HOUR), T0)
    user.merge(restored)
    expect(user.evaluate(T0).nextChangeAt).toBe(T0 + HOUR)
    expect(user.evaluate(T0 + HOUR).metrics.orders).toBe(2)
    expect(user.snapshot().pending).toBeUndefined()
  })

  it('rejects a pending event past maxPendingSize, naming the bound', () => {
    const state = RULES.createState({ maxPendingSize: 300 })
    expect(state.ingest(order('m1', T0 + HOUR), T0).status).toBe('pending')
    expect(state.ingest(order('m2', T0 + HOUR), T0).status).toBe('pending')
    expect(state.ingest(order('m3', T0 + HOUR), T0)).toEqual({
      status: 'rejected',
      error: expect.stringMatching(
        /^2 events dated after their arrival already wait .* at most 300/,
      ),
    })
    // Due events leave room, and an event not in the future needs none.
    expect(state.ingest(order('m4', T0 - HOUR), T0).status).toBe('counted')
    expect(state.ingest(order('m3', T0 + 2 * HOUR), T0 + HOUR).status).toBe('pending')
  })

  it('at every instant equals the CLI over the events received by then (property)', () => {
    /** How long after its timestamp each event is received (negative: dated in the future). */
    const lag = fc.oneof(
      fc.constant(0),
      fc.integer({ min: -2 * DAY, max: -1 }),
      fc.integer({ min: 1, max: 3 * DAY }),
    )
    fc.assert(
      fc.property(
        docArb,
        eventsArb,
        fc.array(lag, { minLength: 60, maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 8 * DAY }), { minLength: 1, maxLength: 6 }),
        (doc, events, lags, probeOffsets) => {
          fc.pre(orderInsensitive(events))
          const rules = compileRules(doc)
          const arrivals = events
            .map((event, i) => ({ event, at: (tsOf(event) ?? T0) + lags[i]! }))
            .sort((a, b) => a.at - b.at)
          const first = arrivals[0]!.at
          const probes = [...new Set(probeOffsets.map((o) => first + o))].sort((a, b) => a - b)
          let state = rules.createState({ maxMessageIds: Infinity })
          let next = 0
          for (const [i, probe] of probes.entries()) {
            while (next < arrivals.length && arrivals[next]!.at <= probe) {
              const { event, at } = arrivals[next++]!
              state.ingest(event, at)
            }
            const received = arrivals.slice(0, next).map((a) => a.event)
            const actual = state.evaluate(probe)
            const expected = cliState(rules, received, probe).evaluate(probe)
            assertSame('edge vs CLI', probe, view(actual), view(expected))
            const due = received.map(tsOf).filter((t): t is number => t !== undefined && t > probe)
            if (due.length)
              expect(actual.nextChangeAt ?? Infinity).toBeLessThanOrEqual(Math.min(...due))
            // Every other instant, carry on from the snapshot (a restart).
            if (i % 2)
              state = rules.restore(JSON.parse(JSON.stringify(state.snapshot())), {
                maxMessageIds: Infinity,
              })
          }
        },
      ),
      { numRuns: 150 },
    )
  }, 60_000)
})

const view = ({ tags, metrics }: { tags: unknown; metrics: unknown }) => ({ tags, metrics })

/** `tagwise eval --now <now>` for one profile: only events dated at or before `now` count. */
function cliState(rules: Rules, events: readonly Event[], now: number): ProfileState {
  const state = rules.createState({ maxMessageIds: Infinity })
  for (const event of events) {
    const ts = tsOf(event)
    if (ts === undefined || ts <= now) state.ingest(event)
  }
  return state
}

/** No timestamp ties and every duplicate an identical retry: the order of arrival cannot matter. */
function orderInsensitive(events: readonly Event[]): boolean {
  const stamps = new Set<number>()
  const byId = new Map<unknown, string>()
  for (const event of events) {
    const text = JSON.stringify(event)
    if (event.messageId !== undefined) {
      const same = byId.get(event.messageId)
      if (same !== undefined) {
        if (same !== text) return false
        continue
      }
      byId.set(event.messageId, text)
    }
    const ts = tsOf(event)
    if (ts === undefined) continue
    if (stamps.has(ts)) return false
    stamps.add(ts)
  }
  return true
}
