// Numbers at the ends of the double range: sums and averages stay finite, and a state counted live,
// one replayed from the events' stored JSON text and one restored from its snapshot agree for every
// value JSON text can carry (1e400 parses to Infinity, -0 to -0, 1e-400 to 0).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileRules, type ProfileState } from '../../rules/index.ts'

const T0 = Date.parse('2026-03-01T00:00:00Z')
const MAX = Number.MAX_VALUE

const field = 'properties.x'
const orders = { event: 'Order Completed' }
const RULES = compileRules({
  version: 1,
  metrics: {
    sum: { events: orders, agg: 'sum', field, window: 'lifetime' },
    sum_30d: { events: orders, agg: 'sum', field, window: '30d' },
    avg: { events: orders, agg: 'avg', field, window: 'lifetime' },
    sum_session: { events: orders, agg: 'sum', field, window: 'session' },
    min: { events: orders, agg: 'min', field, window: 'lifetime' },
    max: { events: orders, agg: 'max', field, window: 'lifetime' },
    first: { events: orders, agg: 'first', field, window: 'lifetime' },
    last: { events: orders, agg: 'last', field, window: 'lifetime' },
    top: { events: orders, agg: 'top', field, window: 'lifetime' },
    distinct: { events: orders, agg: 'distinct', field, window: 'lifetime' },
    nulls: {
      events: { ...orders, where: { '===': [{ var: field }, null] } },
      agg: 'count',
      window: 'lifetime',
    },
  },
  tags: {
    spend_tier: {
      tiers: { of: { var: 'metrics.sum' }, cuts: [100, 1e300], labels: ['low', 'mid', 'top'] },
    },
    avg_tier: { tiers: { of: { var: 'metrics.avg' }, cuts: [100], labels: ['low', 'high'] } },
    last_x: { value: { var: 'metrics.last' } },
    doubled: { value: { '*': [{ var: 'metrics.sum' }, 2] } },
  },
})

const order = (x: unknown, i: number) => ({
  type: 'track',
  event: 'Order Completed',
  anonymousId: 'a',
  messageId: `m${i}`,
  timestamp: new Date(T0 + i * 60_000).toISOString(),
  properties: { x },
})

function evaluateAll(events: readonly unknown[], at = T0 + 86_400_000) {
  const state = RULES.createState()
  for (const event of events) expect(state.ingest(event).status).toBe('counted')
  return state.evaluate(at)
}

describe('sums and averages past the largest double', () => {
  it('keeps two orders of 1e308 finite: the sum clamps to Number.MAX_VALUE, the average is exact, the tiers stay', () => {
    const { metrics, tags } = evaluateAll([order(1e308, 0), order(1e308, 1)])
    expect(metrics).toMatchObject({ sum: MAX, sum_30d: MAX, avg: 1e308, max: 1e308 })
    expect(tags).toMatchObject({ spend_tier: 'top', avg_tier: 'high' })
    // 2 × MAX is past the range: the tag is absent (it would be stored and sent as null).
    expect(tags.doubled).toBeUndefined()
  })

  it('comes back from an overflow on the way, in any order', () => {
    for (const xs of [
      [1e308, 1e308, -1e308],
      [1e308, -1e308, 1e308],
      [-1e308, 1e308, 1e308],
    ]) {
      const { metrics } = evaluateAll(xs.map(order))
      expect(metrics.sum).toBe(1e308)
      expect(metrics.avg).toBeCloseTo(1e308 / 3, -300)
    }
    const { metrics } = evaluateAll([-MAX, -MAX, -MAX].map(order))
    expect(metrics.sum).toBe(-MAX)
    // Within an ulp: the average of numbers past the range is computed in parts.
    expect((metrics.avg as number) / -MAX).toBeCloseTo(1, 15)
  })

  it('equals the exact sum (clamped) of any doubles, within Neumaier’s bound', () => {
    const extreme = fc.constantFrom(MAX, -MAX, 1e308, -1e308, 2 ** 1023, -(2 ** 1023), 5e-324, 0)
    const x = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), extreme)
    fc.assert(
      fc.property(fc.array(x, { minLength: 1, maxLength: 30 }), (xs) => {
        const { metrics } = evaluateAll(xs.map(order))
        const exact = xs.reduce((a, v) => a + scaled(v), 0n)
        const magnitude = xs.reduce((a, v) => a + abs(scaled(v)), 0n)
        expectNear(metrics.sum as number, exact, magnitude, xs.length)
        expectNear(metrics.avg as number, exact / BigInt(xs.length), magnitude, xs.length)
      }),
      {
        numRuns: 1000,
        // Found by this test: the carry and the sum cancel to 5e302, which the compensation refines.
        examples: [
          [[MAX, 2 ** 1023, -1.7976880476813474e308, 0, -MAX, 4.137653697316887e287, 2 ** 1023]],
        ],
      },
    )
  })
})

describe('live, replayed and restored states', () => {
  /** JSON number texts, some past what a double holds. */
  const numberText = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
    fc.constantFrom('1e400', '-1e400', '-0', '1e-400', '1.7976931348623157e308', '1e308', '-1e308'),
    fc.constantFrom('123456789012345678901234567890', '0.1', '"1e400"', '"12"', 'null', 'true'),
    fc.constantFrom('[1e400]', '{"a":-1e400}', '"x"', '[]'),
  )
  /** Events as JSON text (what the collector receives and the CLI reads), with restore points. */
  const stream = fc.array(fc.tuple(numberText, fc.boolean()), { minLength: 1, maxLength: 25 })

  it('agree for every value JSON text can carry', () => {
    fc.assert(
      fc.property(stream, (items) => {
        const texts = items.map(([x], i) =>
          JSON.stringify(order('X', i)).replace('"x":"X"', `"x":${x}`),
        )
        const at = T0 + (items.length + 5) * 60_000
        // Live: each event as it arrives, the state saved and restored at random points.
        let live: ProfileState = RULES.createState()
        items.forEach(([, restoreAfter], i) => {
          live.ingest(JSON.parse(texts[i]!))
          if (restoreAfter) live = RULES.restore(JSON.parse(JSON.stringify(live.snapshot())))
        })
        // Replayed: from the events as stored, JSON text written from what was received.
        const replayed = RULES.createState()
        for (const text of texts) replayed.ingest(JSON.parse(JSON.stringify(JSON.parse(text))))
        const restored = RULES.restore(JSON.parse(JSON.stringify(live.snapshot())))
        const views = [live, replayed, restored].map((s) => {
          const { tags, metrics } = s.evaluate(at)
          for (const value of Object.values(metrics))
            if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true)
          for (const value of Object.values(tags))
            if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true)
          return { tags, metrics }
        })
        expect(views[1]).toEqual(views[0])
        expect(views[2]).toEqual(views[0])
      }),
      { numRuns: 300 },
    )
  })

  it('count an event with 1e400 as its JSON text reads: null', () => {
    const text = JSON.stringify(order('X', 0)).replace('"x":"X"', '"x":1e400')
    const { metrics, tags } = evaluateAll([JSON.parse(text)])
    expect(metrics).toMatchObject({ last: null, nulls: 1, sum: 0, max: null, distinct: 0 })
    expect(tags.last_x).toBeUndefined()
  })
})

/** `x × 2^1074`, exactly: every double is an integer multiple of 2^−1074. */
function scaled(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const exponent = Number((bits >> 52n) & 0x7ffn)
  const fraction = bits & ((1n << 52n) - 1n)
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n)
  const value = mantissa << BigInt(Math.max(exponent, 1) - 1)
  return bits >> 63n ? -value : value
}

const abs = (n: bigint) => (n < 0n ? -n : n)

/**
 * `actual` is the exact value `exact` (scaled by 2^1074) clamped to ±MAX, within Neumaier's error
 * bound: a few units in the last place of the result, plus n² units of 2^−104 of the magnitudes.
 */
function expectNear(actual: number, exact: bigint, magnitude: bigint, n: number) {
  expect(Number.isFinite(actual)).toBe(true)
  const limit = scaled(MAX)
  const target = exact > limit ? limit : exact < -limit ? -limit : exact
  const error = abs(scaled(actual) - target)
  const bound = abs(target) / 2n ** 50n + (magnitude * BigInt(n * n)) / 2n ** 100n + 1n
  expect(error <= bound, `${actual} vs exact ${target} (error ${error} > ${bound})`).toBe(true)
}
