import { describe, expect, it } from 'vitest'
import { at, metric, track } from '../support/build.ts'

const orders = (agg: string, field = 'properties.revenue') => ({
  events: { event: 'Order Completed' },
  agg,
  ...(field ? { field } : {}),
  window: 'lifetime',
})

const order = (time: string, properties: Record<string, unknown>) =>
  track(time, 'Order Completed', properties)

describe('aggregations', () => {
  it('count counts matching events and is 0 with none', () => {
    const events = [order('10:00', {}), track('10:01', 'Other'), order('10:02', {})]
    expect(metric(orders('count', ''), events, '11:00')).toBe(2)
    expect(metric(orders('count', ''), [], '11:00')).toBe(0)
  })

  it('sum converts numeric strings, skips non-numeric values and is 0 with none', () => {
    const values = [10, '2.5', 'abc', null, true, '1e400', [3], 1e-1, '-1']
    const events = values.map((revenue, i) => order(`10:0${i}`, { revenue }))
    expect(metric(orders('sum'), events, '11:00')).toBeCloseTo(11.6, 12)
    expect(metric(orders('sum'), [], '11:00')).toBe(0)
  })

  it('sum does not depend on arrival order (0.1 + 0.2 + 0.3 both ways)', () => {
    const a = [0.1, 0.2, 0.3].map((revenue, i) => order(`10:0${i}`, { revenue }))
    const forward = metric(orders('sum'), a, '11:00')
    const backward = metric(orders('sum'), [...a].reverse(), '11:00')
    expect(forward).toBe(backward)
    expect(forward).toBe(0.6)
  })

  it('min, max and avg are numbers over numeric values and null with none', () => {
    const events = [
      order('10:00', { revenue: '5' }),
      order('10:01', { revenue: 3 }),
      order('10:02', { revenue: 'x' }),
    ]
    expect(metric(orders('min'), events, '11:00')).toBe(3)
    expect(metric(orders('max'), events, '11:00')).toBe(5)
    expect(metric(orders('avg'), events, '11:00')).toBe(4)
    for (const agg of ['min', 'max', 'avg']) expect(metric(orders(agg), [], '11:00')).toBeNull()
    expect(metric(orders('max'), [order('10:00', { revenue: '1e400' })], '11:00')).toBeNull()
  })

  it('distinct compares by JSON equality and skips null and missing values', () => {
    const values = [1, '1', 1, { a: 1, b: 2 }, { b: 2, a: 1 }, null, undefined, [1]]
    const events = values.map((city, i) => order(`10:0${i}`, city === undefined ? {} : { city }))
    expect(metric(orders('distinct', 'properties.city'), events, '11:00')).toBe(4)
  })

  it('distinct is exact beyond 1,000 values', () => {
    const start = at('10:00')
    const events = Array.from({ length: 1500 }, (_, i) =>
      order(new Date(start + i).toISOString(), { city: `c${i % 1200}` }),
    )
    expect(metric(orders('distinct', 'properties.city'), events, '11:00')).toBe(1200)
  })

  it('top is the most frequent value, ties going to the most recently seen', () => {
    const events = [
      order('10:00', { category: 'shoes' }),
      order('10:01', { category: 'bags' }),
      order('10:02', { category: 'shoes' }),
      order('10:03', { category: 'bags' }),
    ]
    expect(metric(orders('top', 'properties.category'), events, '11:00')).toBe('bags')
    expect(metric(orders('top', 'properties.category'), events.slice(0, 3), '11:00')).toBe('shoes')
    // Arrival order does not matter: recency is by timestamp.
    expect(metric(orders('top', 'properties.category'), [...events].reverse(), '11:00')).toBe(
      'bags',
    )
    expect(metric(orders('top', 'properties.category'), [], '11:00')).toBeNull()
  })

  it('top stays exact with 32 distinct values', () => {
    const events = []
    for (let v = 0; v < 32; v++)
      for (let n = 0; n <= (v === 17 ? 3 : 2); n++)
        events.push(order(`10:${String(v).padStart(2, '0')}`, { category: `c${v}` }))
    expect(metric(orders('top', 'properties.category'), events, '11:00')).toBe('c17')
  })

  it('first and last follow timestamps, then input order, skipping null values', () => {
    const events = [
      order('10:05', { revenue: 'late-input-early-time' }),
      order('10:09', { revenue: null }),
      order('10:07', { revenue: 'b' }),
      order('10:07', { revenue: 'c' }),
      order('10:06', {}),
    ]
    // The first event by timestamp is at 10:05 even though it was not ingested first...
    expect(metric(orders('first'), events.slice(1).concat(events[0]!), '11:00')).toBe(
      'late-input-early-time',
    )
    // ...and of two events at 10:07 the later input wins `last`; the null at 10:09 is skipped.
    expect(metric(orders('last'), events, '11:00')).toBe('c')
    expect(metric(orders('first'), [], '11:00')).toBeNull()
  })

  it('since_first and since_last are milliseconds to now, null with none', () => {
    const events = [order('10:00', {}), order('10:30', {})]
    expect(metric(orders('since_first', ''), events, '11:00')).toBe(60 * 60_000)
    expect(metric(orders('since_last', ''), events, '11:00')).toBe(30 * 60_000)
    expect(metric(orders('since_last', ''), [], '11:00')).toBeNull()
  })
})
