// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { fakeCollector, freshKey, settle, start } from './harness.ts'

describe('consent', () => {
  it('with consent: false sends and stores nothing, but tags still work on the device', async () => {
    const writeKey = freshKey()
    const collector = fakeCollector()
    const tw = start(collector, { writeKey, consent: false })
    await tw.ready
    tw.identify('u1')
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    expect(tw.has('coupon_claimer')).toBe(true)
    await tw.flush()
    await settle()
    expect(collector.requests).toEqual([])
    const next = start(fakeCollector(), { writeKey, autoPage: false })
    await next.ready
    expect(next.user().anonymousId).not.toBe(tw.user().anonymousId)
    expect(next.user().userId).toBeUndefined()
    expect(next.tags()).toEqual({})
  })

  it('consent(false) deletes the stored queue; consent(true) resumes sending', async () => {
    const writeKey = freshKey()
    const collector = fakeCollector()
    collector.reply('network-error')
    const tw = start(collector, { writeKey, autoPage: false })
    tw.track('queued')
    await tw.flush()
    await settle()
    tw.consent(false)
    tw.track('while off')
    await tw.flush()
    await settle()
    const reload = fakeCollector()
    const next = start(reload, { writeKey, autoPage: false })
    await next.flush()
    expect(reload.events()).toEqual([])

    tw.consent(true)
    tw.track('after')
    window.dispatchEvent(new Event('online')) // skip the backoff left by the first failure
    await tw.flush()
    expect(collector.events().map((e) => e.event)).toEqual(['queued', 'after'])
  })

  it('starting with consent off keeps the queue of an earlier page until consent is granted', async () => {
    const writeKey = freshKey()
    const offline = fakeCollector()
    offline.reply('network-error')
    const first = start(offline, { writeKey, autoPage: false })
    first.track('from an earlier page')
    await first.flush()
    await settle()
    const collector = fakeCollector()
    const tw = start(collector, { writeKey, autoPage: false, consent: false })
    tw.track('before consent')
    await tw.flush()
    await settle()
    expect(collector.requests).toEqual([])
    tw.consent(true)
    tw.track('after consent')
    await settle()
    await tw.flush()
    expect(collector.events().map((e) => e.event)).toEqual([
      'from an earlier page',
      'after consent',
    ])
  })
})
