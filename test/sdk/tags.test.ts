// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { devicePlan } from '../../rules/index.ts'
import { CATALOG, fakeCollector, fakeTime, freshKey, settle, setVisible, start } from './harness.ts'

/** A fetch that never answers: proves something works before any network request. */
const never = (() => new Promise(() => undefined)) as unknown as typeof fetch

describe('time-driven tags', () => {
  it('flips checkout_hesitant after 10 s on the checkout page, with no event', async () => {
    fakeTime()
    history.replaceState(null, '', '/checkout/cart')
    const tw = start(fakeCollector())
    await tw.ready
    const listener = vi.fn()
    tw.on('change', listener)
    vi.advanceTimersByTime(10_000)
    expect(tw.has('checkout_hesitant')).toBe(false)
    vi.advanceTimersByTime(1)
    expect(tw.has('checkout_hesitant')).toBe(true)
    expect(listener).toHaveBeenCalledWith([{ tag: 'checkout_hesitant', from: undefined, to: true }])
  })

  it('does not count the time the page was hidden', async () => {
    fakeTime()
    history.replaceState(null, '', '/checkout/cart')
    const tw = start(fakeCollector())
    await tw.ready
    vi.advanceTimersByTime(4000)
    setVisible(false)
    vi.advanceTimersByTime(60_000)
    expect(tw.has('checkout_hesitant')).toBe(false)
    setVisible(true)
    expect(tw.has('checkout_hesitant')).toBe(false)
    vi.advanceTimersByTime(6000)
    expect(tw.has('checkout_hesitant')).toBe(false)
    vi.advanceTimersByTime(1)
    expect(tw.has('checkout_hesitant')).toBe(true)
  })

  it('ends session tags when the session times out, also after hidden time', async () => {
    fakeTime()
    history.replaceState(null, '', '/products')
    const tw = start(fakeCollector())
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    setVisible(false)
    vi.advanceTimersByTime(31 * 60_000)
    setVisible(true)
    expect(tw.has('coupon_claimer')).toBe(false)
    tw.track('Coupon Claimed', { coupon_id: 'd' })
    expect(tw.has('coupon_claimer')).toBe(true)
    vi.advanceTimersByTime(30 * 60_000)
    expect(tw.has('coupon_claimer')).toBe(false)
  })
})

describe('timer', () => {
  it('does not spin when a restored state has a pending time-driven change', async () => {
    fakeTime()
    history.replaceState(null, '', '/checkout/cart')
    const writeKey = freshKey()
    await start(fakeCollector(), { writeKey }).ready
    await settle()
    vi.advanceTimersByTime(3000)
    const tw = start(fakeCollector(), { writeKey, autoPage: false })
    await tw.ready
    await settle()
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout')
    vi.advanceTimersByTime(1000)
    expect(setTimeoutSpy.mock.calls.length).toBeLessThan(5) // no busy loop of 0 ms timers
  })
})

describe('durable tags', () => {
  it('merges the tags of batch responses, device values winning for device tags', async () => {
    const collector = fakeCollector()
    collector.state.tags = { lifecycle_stage: 'churned', coupon_claimer: true }
    const tw = start(collector, { autoPage: false })
    const listener = vi.fn()
    tw.on('change', listener)
    tw.track('a')
    await tw.flush()
    expect(tw.tags()).toEqual({ lifecycle_stage: 'churned' })
    expect(listener).toHaveBeenCalledWith([
      { tag: 'lifecycle_stage', from: undefined, to: 'churned' },
    ])
  })

  it('reads GET /v1/tags at start, with the anonymousId and userId', async () => {
    const collector = fakeCollector()
    collector.state.tags = { spend_tier_30d: 'high' }
    const tw = start(collector, { autoPage: false })
    tw.identify('u5')
    await tw.ready
    await vi.waitFor(() => expect(tw.value('spend_tier_30d')).toBe('high'))
    const request = collector.requests.find((r) => r.path === '/v1/tags')!
    const query = new URL(request.url).searchParams
    expect(query.get('anonymousId')).toBe(tw.user().anonymousId)
    expect(request.headers.authorization).toMatch(/^Basic /)
  })

  it('has the cached durable tags and session state on the next page load before any request', async () => {
    const writeKey = freshKey()
    const collector = fakeCollector()
    collector.state.tags = { lifecycle_stage: 'loyal' }
    const first = start(collector, { writeKey, autoPage: false })
    first.track('Coupon Claimed', { coupon_id: 'c' })
    await first.flush()
    await settle()
    const next = start(fakeCollector(), { writeKey, autoPage: false, fetch: never })
    await next.ready
    expect(next.tags()).toEqual({ lifecycle_stage: 'loyal', coupon_claimer: true })
  })
})

describe('rules', () => {
  it('loads remote rules, caches them with their ETag and revalidates on the next load', async () => {
    const writeKey = freshKey()
    const collector = fakeCollector()
    const tw = start(collector, { writeKey, rules: 'remote', autoPage: false })
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    expect(tw.has('coupon_claimer')).toBe(true)
    await settle()

    const offline = start(fakeCollector(), { writeKey, rules: 'remote', fetch: never })
    await offline.ready // cached rules: no request needed
    expect(offline.has('coupon_claimer')).toBe(true)

    const again = fakeCollector()
    await start(again, { writeKey, rules: 'remote' }).ready
    await settle()
    const rulesRequest = again.requests.find((r) => r.path === '/v1/rules')!
    expect(rulesRequest.headers['if-none-match']).toBe('"v1"')
  })

  it('runs on the device plan the collector sends with the rules', async () => {
    const collector = fakeCollector()
    const plan = devicePlan(CATALOG)
    // A plan that leaves coupon_claimer to the edge: the device must follow the plan it was sent.
    const edge = plan.tags.find((t) => t.id === 'coupon_claimer')!
    collector.state.plan = {
      ...plan,
      tags: plan.tags.map((t) => (t === edge ? { ...t, evaluatedOn: 'edge' } : t)),
    }
    const tw = start(collector, { rules: 'remote', autoPage: false })
    await tw.ready
    expect(collector.requests.find((r) => r.path === '/v1/rules')!.url).toContain('device=1')
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    expect(tw.has('coupon_claimer')).toBe(false)
    expect(await tw.explain('coupon_claimer')).toMatchObject({ evaluatedOn: 'edge' })

    const fair = fakeCollector()
    fair.state.plan = plan
    const other = start(fair, { rules: 'remote', autoPage: false })
    await other.ready
    other.track('Coupon Claimed', { coupon_id: 'c' })
    expect(other.has('coupon_claimer')).toBe(true)
  })

  it('switches to a new rules version when the collector has one', async () => {
    const writeKey = freshKey()
    await start(fakeCollector(), { writeKey, rules: 'remote', autoPage: false }).ready
    await settle()
    const collector = fakeCollector()
    collector.state.etag = '"v2"'
    collector.state.rules = {
      ...CATALOG,
      tags: {
        ...CATALOG.tags,
        any_event: { when: { '>=': [{ var: 'metrics.orders_session' }, 0] } },
      },
    }
    const tw = start(collector, { writeKey, rules: 'remote', autoPage: false })
    await tw.ready
    await vi.waitFor(() => expect(tw.has('any_event')).toBe(true))
  })

  it('does not wait forever for rules: events before them count when they arrive', async () => {
    fakeTime()
    const collector = fakeCollector()
    let release!: () => void
    collector.state.rulesGate = new Promise((resolve) => (release = resolve))
    const tw = start(collector, { rules: 'remote', autoPage: false })
    let ready = false
    void tw.ready.then(() => (ready = true))
    await settle()
    await vi.advanceTimersByTimeAsync(3000)
    await settle()
    expect(ready).toBe(true)
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    expect(tw.has('coupon_claimer')).toBe(false)
    release()
    await vi.waitFor(() => expect(tw.has('coupon_claimer')).toBe(true))
  })

  it('still sends events when rules cannot be loaded', async () => {
    const collector = fakeCollector()
    collector.state.rules = { not: 'rules' }
    const tw = start(collector, { rules: 'remote', autoPage: false })
    tw.track('a')
    await tw.flush()
    expect(collector.events().map((e) => e.event)).toEqual(['a'])
    expect(tw.tags()).toEqual({})
  })
})
