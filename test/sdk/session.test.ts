// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { fakeCollector, fakeTime, freshKey, settle, start } from './harness.ts'

describe('sessions and identity', () => {
  it('keeps the anonymousId and userId across page loads', async () => {
    const writeKey = freshKey()
    const first = start(fakeCollector(), { writeKey, autoPage: false })
    await first.ready
    first.identify('u9')
    await settle()
    const again = start(fakeCollector(), { writeKey, autoPage: false })
    await again.ready
    expect(again.user()).toEqual(first.user())
  })

  it('keeps the session while active and starts a new one after the inactivity timeout', async () => {
    fakeTime()
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, sessionTimeoutMinutes: 30 })
    await tw.ready
    tw.track('a')
    const first = tw.user().sessionId
    vi.advanceTimersByTime(29 * 60_000)
    tw.track('b')
    expect(tw.user().sessionId).toBe(first)
    vi.advanceTimersByTime(30 * 60_000)
    tw.track('c')
    const second = tw.user().sessionId
    expect(second).not.toBe(first)
    await tw.flush()
    expect(collector.events().map((e) => e.context.sessionId)).toEqual([first, first, second])
  })

  it('cuts the session across page loads too', async () => {
    fakeTime()
    const writeKey = freshKey()
    const first = start(fakeCollector(), { writeKey, autoPage: false })
    await first.ready
    first.track('a')
    await settle()
    vi.advanceTimersByTime(5 * 60_000)
    const soon = start(fakeCollector(), { writeKey, autoPage: false })
    await soon.ready
    soon.track('b')
    expect(soon.user().sessionId).toBe(first.user().sessionId)
    await settle()
    vi.advanceTimersByTime(31 * 60_000)
    const later = start(fakeCollector(), { writeKey, autoPage: false })
    await later.ready
    later.track('c')
    expect(later.user().sessionId).not.toBe(first.user().sessionId)
    expect(later.user().anonymousId).toBe(first.user().anonymousId)
  })

  it('keeps a userId set in another tab when this tab writes its session', async () => {
    const writeKey = freshKey()
    const a = start(fakeCollector(), { writeKey, autoPage: false })
    const b = start(fakeCollector(), { writeKey, autoPage: false })
    await Promise.all([a.ready, b.ready])
    a.identify('u1')
    await settle()
    b.track('still anonymous in this tab')
    await settle()
    const reload = start(fakeCollector(), { writeKey, autoPage: false })
    await reload.ready
    expect(reload.user().userId).toBe('u1')
  })
})

describe('leaving the page', () => {
  it('keeps the device tags of a page that navigated away before its asynchronous writes finished', async () => {
    // Without IndexedDB the asynchronous store is memory, standing for writes the navigation cut
    // off: nothing reaches the next page through it, only the synchronous backup of pagehide.
    vi.stubGlobal('indexedDB', undefined)
    const writeKey = freshKey()
    const collector = fakeCollector()
    const first = start(collector, { writeKey })
    await first.ready
    first.track('Coupon Claimed', { coupon_id: 'SPRING10' })
    expect(first.has('coupon_claimer')).toBe(true)
    window.dispatchEvent(new Event('pagehide'))
    const anonymousId = first.user().anonymousId

    const next = start(collector, { writeKey })
    await next.ready
    expect(next.user().anonymousId).toBe(anonymousId)
    expect(next.has('coupon_claimer')).toBe(true)
    // Taken once: a later page falls back to the asynchronous store.
    expect(localStorage.getItem(`${writeKey}:backup`)).toBeNull()
  })
})
