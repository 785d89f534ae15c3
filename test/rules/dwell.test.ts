import { describe, expect, it } from 'vitest'
import { at, doc, left, MINUTE, metric, page, run, track } from '../support/build.ts'

const checkout = (agg = 'dwell', window = 'session', extra: Record<string, unknown> = {}) => ({
  events: { path: '/checkout/**', ...extra },
  agg,
  window,
})

describe('dwell', () => {
  it('a visit closed by Page Left counts its dwell_ms', () => {
    const events = [page('10:00', '/checkout/pay'), left('10:01', '/checkout/pay', 12_000)]
    expect(metric(checkout(), events, '10:02')).toBe(12_000)
  })

  it('a Page Left without a finite dwell_ms uses the time difference', () => {
    const events = [page('10:00', '/checkout/pay'), left('10:00:20', '/checkout/pay', 'n/a')]
    expect(metric(checkout(), events, '10:02')).toBe(20_000)
    const numericString = [
      page('10:00', '/checkout/pay'),
      left('10:00:20', '/checkout/pay', '7000'),
    ]
    expect(metric(checkout(), numericString, '10:02')).toBe(7000)
  })

  it('a visit not closed by Page Left is closed by the next page, capped at the session timeout', () => {
    const events = [page('10:00', '/checkout/pay'), page('10:00:40', '/home')]
    expect(metric(checkout('dwell', 'lifetime'), events, '10:05')).toBe(40_000)
    const long = [page('10:00', '/checkout/pay'), track('10:20', 'Ping'), page('10:45', '/home')]
    expect(metric(checkout('dwell', 'lifetime'), long, '10:50')).toBe(30 * MINUTE)
  })

  it('a Page Left for another path does not close the visit', () => {
    const events = [
      page('10:00', '/checkout/pay'),
      left('10:00:05', '/other', 1),
      page('10:00:30', '/home'),
    ]
    expect(metric(checkout('dwell', 'lifetime'), events, '10:05')).toBe(30_000)
  })

  it('the latest open visit counts now - start while its session is current, so thresholds flip with no event', () => {
    const state = run(
      doc(
        { d: checkout() },
        { hesitant: { when: { '>': [{ var: 'metrics.d' }, { seconds: 10 }] } } },
      ),
      [page('10:00:00', '/checkout/pay')],
    )
    expect(state.evaluate(at('10:00:09')).tags.hesitant).toBeUndefined()
    const before = state.evaluate(at('10:00:05'))
    expect(before.nextChangeAt).toBe(at('10:00:10') + 1)
    expect(state.evaluate(at('10:00:10.001')).tags.hesitant).toBe(true)
  })

  it('an open visit whose session is over counts nowhere, not even in dwell_max', () => {
    const events = [page('10:00', '/checkout/pay')]
    expect(metric(checkout('dwell_max', 'lifetime'), events, '10:29')).toBe(29 * MINUTE)
    expect(metric(checkout('dwell_max', 'lifetime'), events, '10:31')).toBeNull()
    expect(metric(checkout('dwell', 'lifetime'), events, '10:31')).toBe(0)
  })

  it('dwell_max is the longest visit; null and 0 with no visit', () => {
    const events = [
      page('10:00', '/checkout/cart'),
      left('10:00:10', '/checkout/cart', 8_000),
      page('10:01', '/checkout/pay'),
      left('10:02', '/checkout/pay', 30_000),
      page('10:03', '/home'),
    ]
    expect(metric(checkout('dwell_max'), events, '10:04')).toBe(30_000)
    expect(metric(checkout('dwell'), events, '10:04')).toBe(38_000)
    expect(metric(checkout('dwell_max'), [], '10:04')).toBeNull()
    expect(metric(checkout('dwell'), [], '10:04')).toBe(0)
  })

  it('where sees the page event that started the visit', () => {
    const events = [
      page('10:00', '/checkout/pay', { properties: { step: 2 } }),
      left('10:00:10', '/checkout/pay', 10_000),
      page('10:01', '/checkout/pay', { properties: { step: 3 } }),
      left('10:01:10', '/checkout/pay', 5_000),
    ]
    const def = checkout('dwell', 'session', { where: { '==': [{ var: 'properties.step' }, 3] } })
    expect(metric(def, events, '10:02')).toBe(5_000)
  })

  it('visits belong to the windows of their page event', () => {
    const events = [
      page('2026-01-01T10:00:00Z', '/checkout/a'),
      left('2026-01-01T10:00:10Z', '/checkout/a', 10_000),
      page('10:00', '/checkout/b'),
      left('10:00:05', '/checkout/b', 5_000),
    ]
    expect(metric(checkout('dwell', '7d'), events, '10:10')).toBe(5_000)
    expect(metric(checkout('dwell', 'lifetime'), events, '10:10')).toBe(15_000)
  })

  it('out-of-order events close the right visits', () => {
    const events = [
      page('10:00', '/checkout/pay'),
      left('10:00:10', '/checkout/pay', 9_000),
      page('10:01', '/home'),
    ]
    const shuffled = [events[2], events[1], events[0]]
    expect(metric(checkout('dwell', 'lifetime'), shuffled, '10:05')).toBe(9_000)
  })

  it('screen events start visits too', () => {
    const events = [
      page('10:00', '/checkout/pay', { type: 'screen' }),
      page('10:00:15', '/home', { type: 'screen' }),
    ]
    expect(metric(checkout('dwell', 'lifetime'), events, '10:05')).toBe(15_000)
  })

  it('many page views keep dwell exact (older visits are folded into the accumulators)', () => {
    const events = []
    for (let i = 0; i < 300; i++) {
      const t = at('10:00') + i * 20_000
      events.push(
        page(t, i % 2 ? '/home' : '/checkout/pay'),
        left(t + 5_000, i % 2 ? '/home' : '/checkout/pay', 1_000),
      )
    }
    expect(metric(checkout('dwell', 'lifetime'), events, at('12:00'))).toBe(150 * 1_000)
    expect(metric(checkout('dwell_max', 'lifetime'), events, at('12:00'))).toBe(1_000)
  })
})
