import { describe, expect, it } from 'vitest'
import { compileRules, parseEvent } from '../../rules/index.ts'
import { at, doc, event, left, MINUTE, page, run, track } from '../support/build.ts'

const DAY = 86_400_000
const rulesDoc = doc(
  {
    orders: { events: { event: 'Order Completed' }, agg: 'count', window: 'lifetime' },
    spend_30d: {
      events: { event: 'Order Completed' },
      agg: 'sum',
      field: 'properties.revenue',
      window: '30d',
    },
    since_order: { events: { event: 'Order Completed' }, agg: 'since_last', window: 'lifetime' },
    views: { events: { type: 'page' }, agg: 'count', window: 'session' },
    checkout_dwell: { events: { path: '/checkout/**' }, agg: 'dwell', window: 'session' },
  },
  {
    buyer: { when: { '>': [{ var: 'metrics.orders' }, 0] } },
    churned: {
      when: {
        and: [
          { '!==': [{ var: 'metrics.since_order' }, null] },
          { '>': [{ var: 'metrics.since_order' }, { days: 90 }] },
        ],
      },
    },
    spender: { tiers: { of: { var: 'metrics.spend_30d' }, cuts: [100], labels: ['low', 'high'] } },
    browsing: { when: { '>=': [{ var: 'metrics.views' }, 2] } },
    hesitant: { when: { '>': [{ var: 'metrics.checkout_dwell' }, { seconds: 10 }] } },
  },
)
const rules = compileRules(rulesDoc)
const order = (time: string | number, revenue: number) =>
  track(time, 'Order Completed', { revenue })
const stream = () => [
  order('2026-01-01T10:00:00Z', 80),
  page('2026-01-01T10:01:00Z', '/home'),
  order('2026-01-05T10:00:00Z', 50),
  page('10:00', '/home'),
  page('10:01', '/checkout/pay'),
  left('10:01:30', '/checkout/pay', 4_000),
  page('10:02', '/checkout/pay'),
]

describe('profile state', () => {
  it('ignores duplicates by messageId, first one winning', () => {
    const state = rules.createState()
    const first = order('10:00', 10)
    expect(state.ingest(first)).toEqual({ status: 'counted' })
    expect(state.ingest({ ...first, properties: { revenue: 999 } })).toEqual({
      status: 'duplicate',
    })
    expect(state.evaluate(at('10:00')).metrics.spend_30d).toBe(10)
  })

  it('remembers no messageId with maxMessageIds 0, but still drops the ones a snapshot left', () => {
    // A state that remembers none (the collector's) skips the lookup while it holds none: the
    // same events count, the snapshot lists no ids, whether they arrive now or are pending.
    const none = rules.createState({ maxMessageIds: 0 })
    const first = order('10:00', 10)
    expect(none.ingest(first)).toEqual({ status: 'counted' })
    expect(none.ingest(first)).toEqual({ status: 'counted' })
    const future = order('12:00', 1)
    expect(none.ingest(future, at('11:00'))).toEqual({ status: 'pending' })
    expect(none.ingest(future, at('11:00'))).toEqual({ status: 'pending' })
    expect(none.evaluate(at('12:00')).metrics.spend_30d).toBe(22)
    expect(none.snapshot().messageIds).toEqual([])
    // Ids from a snapshot of a state that remembered them are still dropped, oldest forgotten first.
    const some = rules.createState()
    const second = order('10:01', 5)
    some.ingest(first)
    some.ingest(second)
    const restored = rules.restore(some.snapshot(), { maxMessageIds: 0 })
    expect(restored.ingest(first)).toEqual({ status: 'duplicate' })
    expect(restored.ingest(second)).toEqual({ status: 'duplicate' })
    expect(restored.ingest(order('10:02', 1))).toEqual({ status: 'counted' })
    expect(restored.ingest(first)).toEqual({ status: 'counted' })
    expect(restored.evaluate(at('10:02')).metrics.spend_30d).toBe(26)
  })

  it('rejects bad events with the reason and keeps counting good ones', () => {
    const state = rules.createState()
    expect(
      state.ingest({ type: 'track', anonymousId: 'a', timestamp: '2026-01-10T10:00:00Z' }),
    ).toEqual({
      status: 'rejected',
      error: 'a track event needs a non-empty "event" name',
    })
    expect(state.ingest({ ...order('10:00', 1), timestamp: '2026-01-10 10:00' }).status).toBe(
      'rejected',
    )
    expect(state.ingest(order('10:00', 1)).status).toBe('counted')
  })

  it('takes an event parseEvent already validated, and only such an event, without validating it again', () => {
    const state = rules.createState()
    const parsed = parseEvent(order('10:00', 10))
    expect(parsed.ok && state.ingest(parsed.event)).toEqual({ status: 'counted' })
    const forged = { raw: order('10:01', 5), ts: at('10:01') }
    expect(state.ingest(forged).status).toBe('rejected')
    expect(state.evaluate(at('10:02')).metrics.spend_30d).toBe(10)
  })

  it('a snapshot restored mid-stream continues exactly like an uninterrupted run', () => {
    const events = stream()
    const whole = run(rulesDoc, events)
    const first = run(rulesDoc, events.slice(0, 4))
    const restored = rules.restore(JSON.parse(JSON.stringify(first.snapshot())), {
      maxMessageIds: Infinity,
    })
    for (const e of events.slice(4)) restored.ingest(e)
    for (const now of [at('10:02:05'), at('10:02:20'), at('11:00'), at('2026-04-10T00:00:00Z')]) {
      expect(restored.evaluate(now)).toEqual(whole.evaluate(now))
    }
    // A restored state still knows the messageIds it saw.
    expect(restored.ingest(events[0]!).status).toBe('duplicate')
  })

  it('a snapshot restored under changed rules keeps unchanged metrics and restarts changed ones', () => {
    const state = run(rulesDoc, stream())
    const changed = structuredClone(rulesDoc)
    changed.metrics.orders!.window = '1d'
    const restored = compileRules(changed).restore(state.snapshot())
    const metrics = restored.evaluate(at('10:03')).metrics
    expect(metrics.orders).toBe(0)
    expect(metrics.spend_30d).toBe(130)
  })

  it('merging two profiles equals one profile that saw every event', () => {
    const events = stream()
    const anonymous = run(
      rulesDoc,
      events.filter((_, i) => i % 2 === 0),
    )
    const known = run(
      rulesDoc,
      events.filter((_, i) => i % 2 === 1),
    )
    known.merge(anonymous)
    const whole = run(rulesDoc, events)
    for (const now of [at('10:02:05'), at('10:02:20'), at('11:00')]) {
      expect(known.evaluate(now).tags).toEqual(whole.evaluate(now).tags)
      expect(known.evaluate(now).metrics).toEqual(whole.evaluate(now).metrics)
    }
    expect(known.ingest(events[0]!).status).toBe('duplicate')
  })

  it('merges traits by timestamp', () => {
    const a = run(rulesDoc, [event('10:00', { type: 'identify', traits: { plan: 'new' } })])
    const b = run(rulesDoc, [
      event('09:00', { type: 'identify', traits: { plan: 'old', vip: true } }),
    ])
    a.merge(b)
    expect(a.traits()).toEqual({ plan: 'new', vip: true })
  })
})

describe('nextChangeAt', () => {
  const expectChangeAt = (state: ReturnType<typeof run>, now: number, expected: number | null) => {
    const { tags, nextChangeAt } = state.evaluate(now)
    expect(nextChangeAt).toBe(expected)
    if (expected !== null) {
      expect(state.evaluate(expected - 1).tags).toEqual(tags)
      expect(state.evaluate(expected).tags).not.toEqual(tags)
    }
  }

  it('is when a since_last comparison flips: churned 90 days after the last order', () => {
    const last = at('2026-01-05T10:00:00Z')
    const state = run(rulesDoc, [order(last, 50)])
    expectChangeAt(state, last + 40 * DAY, last + 90 * DAY + 1)
  })

  it('is when a bucket leaves a sliding window and a tier changes', () => {
    const state = run(rulesDoc, [order('2026-01-01T00:00:00Z', 150)])
    const now = at('2026-01-01T00:00:00Z')
    const { nextChangeAt } = state.evaluate(now + DAY)
    // The event's bucket (30d / 60 = 12 h wide) leaves 30 days after it starts.
    expect(nextChangeAt).toBe(now + 30 * DAY)
    expect(state.evaluate(nextChangeAt! - 1).tags.spender).toBe('high')
    expect(state.evaluate(nextChangeAt!).tags.spender).toBe('low')
  })

  it('is when the session ends for session tags', () => {
    const state = run(rulesDoc, [page('10:00', '/a'), page('10:05', '/b')])
    expectChangeAt(state, at('10:06'), at('10:05') + 30 * MINUTE)
  })

  it('is the dwell threshold while on a checkout page', () => {
    const state = run(rulesDoc, [page('10:00', '/checkout/pay')])
    expectChangeAt(state, at('10:00:03'), at('10:00:10') + 1)
  })

  it('is the next millisecond for a tag that changes every millisecond, at a whole or fractional now', () => {
    // A value tag that is a since_* metric: the search probed ~1,000 instants to find this.
    const state = run(
      doc(
        { since_order: rulesDoc.metrics.since_order! },
        {
          waited: { value: { var: 'metrics.since_order' } },
          churned: rulesDoc.tags.churned!,
        },
      ),
      [order('10:00', 1)],
    )
    expectChangeAt(state, at('10:05'), at('10:05') + 1)
    const fractional = at('10:05') + 0.5
    expect(state.evaluate(fractional).nextChangeAt).toBe(fractional + 1)
  })

  it('is null when no tag can change by time alone', () => {
    const state = run(doc({ orders: rulesDoc.metrics.orders! }, { buyer: rulesDoc.tags.buyer! }), [
      order('10:00', 1),
    ])
    expect(state.evaluate(at('10:00')).nextChangeAt).toBeNull()
  })

  it('in device scope, only device tags are considered and durable tags are taken as given', () => {
    const state = run(rulesDoc, [order('2026-01-05T10:00:00Z', 50), page('10:00', '/checkout/pay')])
    const result = state.evaluate(at('10:00:01'), { scope: 'device', durableTags: { buyer: true } })
    expect(result.tags).toEqual({})
    expect(result.nextChangeAt).toBe(at('10:00:10') + 1)
  })
})
