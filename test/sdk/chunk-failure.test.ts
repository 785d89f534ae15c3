// @vitest-environment happy-dom
// A lazy chunk that does not load (the page's CSP or a proxy blocks it, the network is gone) costs
// only the tags that need it: the others still evaluate, those stay absent, `explain` says why, and
// nothing rejects. Here the rare features' chunk (with the explainer) and the time search's chunk
// never load; the device plan's does.
import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { devicePlan, type RulesDocument } from '../../rules/index.ts'
import { CATALOG, fakeCollector, fakeTime, start } from './harness.ts'
import { RARE_DOC, view } from '../support/rare-rules.ts'

// As Chromium's "Failed to fetch dynamically imported module" (vitest reports it in its own words;
// the cross-origin e2e suite sees the browser's).
vi.mock('../../rules/device/rare-chunk.ts', () => {
  throw new TypeError('blocked')
})
vi.mock('../../rules/device/time-chunk.ts', () => {
  throw new TypeError('blocked')
})

/** Rare tags next to common ones, a tag that reads a rare tag, and a time-dependent tag. */
const MIXED: RulesDocument = {
  version: 1,
  metrics: {
    ...RARE_DOC.metrics,
    claims: { events: { event: 'Coupon Claimed' }, agg: 'count', window: 'session' },
    checkout: { events: { path: '/checkout/**' }, agg: 'dwell', window: 'session' },
  },
  tags: {
    ...RARE_DOC.tags,
    claimer: { when: { '>=': [{ var: 'metrics.claims' }, 1] } },
    viewer: { when: { '>=': [{ var: 'metrics.views' }, 2] } },
    premium_claimer: {
      when: { and: [{ var: 'tags.claimer' }, { '===': [{ var: 'tags.budget' }, 'premium'] }] },
    },
    hesitant: { when: { '>': [{ var: 'metrics.checkout' }, { seconds: 10 }] } },
  },
}

afterEach(() => vi.useRealTimers())

describe('a lazy chunk that does not load', () => {
  it('leaves out the tags that need the rare features; the others evaluate', async () => {
    expect(devicePlan(MIXED).needsRare).toEqual({
      metrics: ['categories', 'first_category', 'priciest'],
      tags: expect.arrayContaining(['variety', 'first_seen', 'budget', 'keen', 'picky']),
    })
    const tw = start(fakeCollector(), { rules: MIXED, autoPage: false })
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    tw.track('Product Viewed', view('flights', 1200))
    tw.track('Product Viewed', view('hotels', 300))
    expect(tw.tags()).toEqual({ claimer: true, viewer: true })

    const budget = await tw.explain('budget')
    expect(budget).toMatchObject({ tag: 'budget', value: null, evaluatedOn: 'device', parts: [] })
    expect(budget?.error).toMatch(/^absent on this device: \w*Error/)
    // Through a rare tag it reads.
    expect((await tw.explain('premium_claimer'))?.error).toMatch(/^absent on this device/)
    // Time-dependent tags need the time search, which comes with the rare features here.
    expect((await tw.explain('hesitant'))?.error).toMatch(/^absent on this device/)
    // The explainer is in the chunk that did not load: the value, and why there is no more.
    const claimer = await tw.explain('claimer')
    expect(claimer).toMatchObject({ value: true, parts: [], metrics: {} })
    expect(claimer?.error).toMatch(/^not explained: \w*Error/)
  })

  it('leaves out the time-dependent tags when the time search does not load', async () => {
    fakeTime()
    const tw = start(fakeCollector(), { rules: CATALOG, autoPage: false })
    await vi.advanceTimersByTimeAsync(10)
    await tw.ready
    tw.page({ path: '/checkout/payment' })
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    await vi.advanceTimersByTimeAsync(11_000)
    tw.track('Coupon Claimed', { coupon_id: 'd' })
    expect(tw.has('coupon_claimer')).toBe(true)
    expect(tw.has('cart_open')).toBe(true)
    expect(tw.has('checkout_hesitant')).toBe(false)
    const why = await tw.explain('checkout_hesitant')
    expect(why?.error).toMatch(/^absent on this device: \w*Error/)
  })

  it('keeps the edge tags when a plan from an older collector cannot say what needs the chunk', async () => {
    const { needsRare: _, ...older } = devicePlan(MIXED)
    const collector = fakeCollector()
    collector.state.rules = MIXED
    collector.state.plan = older
    collector.state.tags = { lifecycle_stage: 'customer' }
    const tw = start(collector, { rules: 'remote', autoPage: false })
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    await vi.waitFor(() => expect(tw.tags()).toEqual({ lifecycle_stage: 'customer' }))
    expect(await tw.explain('claimer')).toBeUndefined()
  })
})
