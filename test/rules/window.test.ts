import { describe, expect, it } from 'vitest'
import { at, doc, MINUTE, metric, page, run, track } from '../support/build.ts'

const claims = (window: string) => ({ events: { event: 'Coupon Claimed' }, agg: 'count', window })
const claim = (time: string | number) => track(time, 'Coupon Claimed')
const HOUR = 60 * MINUTE

describe('sliding windows', () => {
  it('count events inside (now - window, now] and not those before', () => {
    const now = at('12:00')
    const events = [claim(now - 2 * HOUR), claim(now - 59 * MINUTE), claim(now - 1000), claim(now)]
    expect(metric(claims('1h'), events, now)).toBe(3)
  })

  it('an event more than one bucket (1/60 of the window) inside always counts, one more than a bucket outside never does', () => {
    const now = at('12:00:30')
    const bucket = HOUR / 60
    const inside = claim(now - HOUR + bucket + 1)
    const outside = claim(now - HOUR - bucket - 1)
    expect(metric(claims('1h'), [inside], now)).toBe(1)
    expect(metric(claims('1h'), [outside], now)).toBe(0)
  })

  it('events expire as now moves, with no new event', () => {
    const state = run(doc({ m: claims('30m') }), [claim('10:00'), claim('10:20')])
    expect(state.evaluate(at('10:25')).metrics.m).toBe(2)
    expect(state.evaluate(at('10:45')).metrics.m).toBe(1)
    expect(state.evaluate(at('11:00')).metrics.m).toBe(0)
  })

  it('late and out-of-order events land in the window of their timestamp', () => {
    const state = run(doc({ m: claims('1d') }), [
      claim('2026-01-10T12:00:00Z'),
      claim('2026-01-08T12:00:00Z'),
      claim('2026-01-10T06:00:00Z'),
    ])
    expect(state.evaluate(at('2026-01-10T12:00:00Z')).metrics.m).toBe(2)
  })

  it('events after now are not counted', () => {
    const state = run(doc({ m: claims('1d') }), [claim('10:00')])
    expect(state.evaluate(at('09:00')).metrics.m).toBe(0)
  })

  it('day windows use 86,400,000 ms days, up to 3650d', () => {
    const now = at('2026-01-10T00:00:00Z')
    const events = [claim(now - 6 * 86_400_000), claim(now - 8 * 86_400_000)]
    expect(metric(claims('7d'), events, now)).toBe(1)
    expect(metric(claims('3650d'), events, now)).toBe(2)
  })

  it('lifetime counts everything', () => {
    expect(
      metric(claims('lifetime'), [claim('2020-01-01T00:00:00Z'), claim('10:00')], '12:00'),
    ).toBe(2)
  })
})

describe('session windows', () => {
  const views = { events: { type: 'page' }, agg: 'count', window: 'session' }

  it('a gap of exactly the timeout starts a new session', () => {
    const events = [page('10:00', '/a'), page('10:30', '/b')]
    expect(metric(views, events, '10:31')).toBe(1)
    expect(metric(views, [page('10:00', '/a'), page('10:29:59.999', '/b')], '10:31')).toBe(2)
  })

  it('sessions are cut over events of every type, not only matching ones', () => {
    const events = [page('10:00', '/a'), claim('10:25'), page('10:50', '/b')]
    expect(metric(views, events, '10:51')).toBe(2)
  })

  it('there is no current session once the timeout has passed since the last event', () => {
    const events = [page('10:00', '/a')]
    expect(metric(views, events, '10:29:59')).toBe(1)
    expect(metric(views, events, '10:30')).toBe(0)
  })

  it('the session timeout comes from the document', () => {
    const state = run(doc({ m: views }, {}, { session: { timeoutMinutes: 5 } }), [
      page('10:00', '/a'),
      page('10:06', '/b'),
    ])
    expect(state.evaluate(at('10:07')).metrics.m).toBe(1)
  })

  it('a late event that bridges two sessions joins them', () => {
    const events = [page('10:00', '/a'), page('10:50', '/c'), page('10:25', '/b')]
    expect(metric(views, events, '10:51')).toBe(3)
  })

  it('a late event from an older session does not count in the current one', () => {
    const events = [page('10:00', '/a'), page('11:00', '/c'), page('10:05', '/b')]
    expect(metric(views, events, '11:01')).toBe(1)
  })
})
