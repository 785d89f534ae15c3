// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { fakeCollector, settle, start } from './harness.ts'

describe('createTagwise', () => {
  it('sends a page view at start with the Segment event shape', async () => {
    const collector = fakeCollector()
    const tw = start(collector)
    await tw.flush()
    const [page] = collector.events()
    expect(page).toMatchObject({
      type: 'page',
      anonymousId: tw.user().anonymousId,
      context: {
        sessionId: tw.user().sessionId,
        library: { name: 'tagwise', version: expect.any(String) },
        page: { path: location.pathname, url: location.href, title: document.title },
      },
      properties: { path: location.pathname, url: location.href },
    })
    expect(page.userId).toBeUndefined()
    expect(page.messageId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(new Date(page.timestamp).toISOString()).toBe(page.timestamp)
  })

  it('gives every event a unique messageId', async () => {
    const collector = fakeCollector()
    const tw = start(collector)
    for (let i = 0; i < 5; i++) tw.track('Product Viewed', { i })
    await tw.flush()
    const ids = collector.events().map((e) => e.messageId)
    expect(new Set(ids).size).toBe(6)
  })

  it('tracks events with their properties', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    tw.track('Order Completed', { revenue: 120 })
    await tw.flush()
    expect(collector.events()).toMatchObject([
      { type: 'track', event: 'Order Completed', properties: { revenue: 120 } },
    ])
  })

  it('adds userId to every event after identify, and sends the traits', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    tw.track('Before')
    tw.identify('u42', { vip: true })
    tw.track('After')
    await tw.flush()
    const [before, identify, after] = collector.events()
    expect(before.userId).toBeUndefined()
    expect(identify).toMatchObject({ type: 'identify', userId: 'u42', traits: { vip: true } })
    expect(after.userId).toBe('u42')
    expect(tw.user().userId).toBe('u42')
  })

  it('accepts identify(traits) without a userId, like Segment', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    tw.identify(undefined, { email: 'a@example.com' })
    tw.identify({ plan: 'pro' } as never)
    await tw.flush()
    expect(collector.events().map((e) => e.traits)).toEqual([
      { email: 'a@example.com' },
      { plan: 'pro' },
    ])
    expect(tw.user().userId).toBeUndefined()
  })

  it('aliases the current identity to a user id', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    const anonymousId = tw.user().anonymousId
    tw.alias('u7')
    await tw.flush()
    expect(collector.events()[0]).toMatchObject({
      type: 'alias',
      previousId: anonymousId,
      userId: 'u7',
    })
    expect(tw.user().userId).toBe('u7')
  })

  it('reset() starts a new anonymous person with no tags', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    tw.identify('u1')
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    await tw.ready
    expect(tw.has('coupon_claimer')).toBe(true)
    const before = tw.user()
    tw.reset()
    const after = tw.user()
    expect(after.anonymousId).not.toBe(before.anonymousId)
    expect(after.sessionId).not.toBe(before.sessionId)
    expect(after.userId).toBeUndefined()
    expect(tw.tags()).toEqual({})
  })

  it('evaluates session tags synchronously on each event', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    expect(tw.has('coupon_claimer')).toBe(false)
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    expect(tw.has('coupon_claimer')).toBe(true)
    expect(tw.value('coupon_claimer')).toBe(true)
    tw.track('Product Viewed', { category: 'luggage' })
    tw.track('Product Viewed', { category: 'luggage' })
    expect(tw.tags()).toMatchObject({ coupon_claimer: true, browsing_category: 'luggage' })
  })

  it('fires change once per change set, with from and to', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    const listener = vi.fn()
    const off = tw.on('change', listener)
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    expect(listener).toHaveBeenCalledTimes(1)
    expect(listener).toHaveBeenLastCalledWith([
      { tag: 'coupon_claimer', from: undefined, to: true },
    ])
    tw.track('Coupon Claimed', { coupon_id: 'c2' })
    expect(listener).toHaveBeenCalledTimes(1)
    tw.page({ path: '/visa/japan' })
    expect(listener).toHaveBeenCalledTimes(2)
    expect(listener.mock.lastCall![0].map((c: { tag: string }) => c.tag).sort()).toEqual([
      'luggage_cross_sell',
      'travel_bundle_audience', // reads only tags, so it runs on the device too
      'travel_intent',
    ])
    off()
    tw.reset()
    expect(listener).toHaveBeenCalledTimes(2)
  })

  it('applies calls made before ready in order, once ready', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, rules: 'remote' })
    tw.identify('u1')
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    expect(tw.has('coupon_claimer')).toBe(false)
    await tw.ready
    expect(tw.has('coupon_claimer')).toBe(true)
    await tw.flush()
    expect(collector.events().map((e) => [e.type, e.userId])).toEqual([
      ['identify', 'u1'],
      ['track', 'u1'],
    ])
  })

  it('explains device tags with the values that decided them', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    const why = await tw.explain('coupon_claimer')
    expect(why).toMatchObject({
      tag: 'coupon_claimer',
      value: true,
      evaluatedOn: 'device',
      metrics: { coupon_claims_session: 1 },
    })
    expect(await tw.explain('no_such_tag')).toBeUndefined()
    expect(await tw.explain('lifecycle_stage')).toMatchObject({ evaluatedOn: 'edge', value: null })
  })

  it('knows only tags, not the properties every object has', async () => {
    const tw = start(fakeCollector(), { autoPage: false })
    await tw.ready
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(tw.has(name)).toBe(false)
      expect(tw.value(name)).toBeUndefined()
    }
  })

  it('never throws for bad calls', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    const anyTw = tw as any
    expect(() => anyTw.track()).not.toThrow()
    expect(() => anyTw.track(42)).not.toThrow()
    expect(() => anyTw.on('nope', () => 1)()).not.toThrow()
    expect(() => anyTw.on('change')()).not.toThrow()
    expect(() => anyTw.page(null)).not.toThrow()
    expect(() => anyTw.identify(null, null)).not.toThrow()
    tw.on('change', () => {
      throw new Error('listener bug')
    })
    await tw.ready
    expect(() => tw.track('Coupon Claimed', { coupon_id: 'x' })).not.toThrow()
    expect(tw.has('coupon_claimer')).toBe(true)
    await tw.flush()
    await settle()
  })
})
