// @vitest-environment happy-dom
// The search for when time-dependent device tags flip (rules/device/time-chunk.ts) loads only for
// rules whose device plan has such tags, before they are compiled; then "more than 10 s on the
// checkout page" flips by time alone, as in the core it did.
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { devicePlan, type RulesDocument } from '../../rules/index.ts'
import { CATALOG, fakeCollector, start } from './harness.ts'

const loads = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../rules/device/time-chunk.ts', async (original) => {
  loads.count++
  return original()
})

/** Session tags that need no time search: no comparison moves with time. */
const UNTIMED: RulesDocument = {
  version: 1,
  metrics: {
    claims: { events: { event: 'Coupon Claimed' }, agg: 'count', window: 'session' },
  },
  tags: { claimer: { when: { '>=': [{ var: 'metrics.claims' }, 1] } } },
}

describe('the time search on the device', () => {
  it('is not loaded for rules without time-dependent device tags', async () => {
    expect(devicePlan(UNTIMED).units).toEqual([])
    const tw = start(fakeCollector(), { rules: UNTIMED, autoPage: false })
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    expect(tw.has('claimer')).toBe(true)
    expect(loads.count).toBe(0)
  })

  it('is loaded once for rules with them, and the tag flips by time alone', async () => {
    expect(devicePlan(CATALOG).units.length).toBeGreaterThan(0)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      const tw = start(fakeCollector(), { rules: CATALOG, autoPage: false })
      await vi.advanceTimersByTimeAsync(10)
      await tw.ready
      expect(loads.count).toBe(1)
      tw.page({ path: '/checkout/payment' })
      await vi.advanceTimersByTimeAsync(9_000)
      expect(tw.has('checkout_hesitant')).toBe(false)
      await vi.advanceTimersByTimeAsync(2_000)
      expect(tw.has('checkout_hesitant')).toBe(true)
      await start(fakeCollector(), { rules: CATALOG, autoPage: false }).ready
      expect(loads.count).toBe(1)
    } finally {
      vi.useRealTimers()
    }
  })
})
