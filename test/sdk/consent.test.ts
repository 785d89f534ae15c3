// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { createStore, keys } from 'idb-keyval'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { RECORD_NAMES, type StoredFormats } from '../../sdk/core/stored-formats.ts'
import { fakeCollector, freshKey, pagehide, settle, start } from './harness.ts'

/** What the SDK of `writeKey` has stored: IndexedDB keys and localStorage keys. */
async function stored(writeKey: string) {
  const prefix = `${writeKey}:`
  const indexedDb = (await keys(createStore('tagwise', 'kv'))).map(String)
  const local = Object.keys(localStorage)
  return {
    indexedDb: indexedDb.filter((k) => k.startsWith(prefix)).sort(),
    localStorage: local.filter((k) => k.startsWith(prefix)).sort(),
  }
}

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

  it('names every stored record for erasing (checked by the typecheck)', () => {
    expectTypeOf<(typeof RECORD_NAMES)[number]>().toEqualTypeOf<keyof StoredFormats>()
  })

  it('consent(false) deletes everything the SDK stored, and nothing is stored after it', async () => {
    const writeKey = freshKey()
    const collector = fakeCollector()
    collector.state.tags = { vip: true } // durable tags, from the tag read at start
    collector.reply('network-error') // the first batch stays queued
    let release = () => {}
    collector.state.rulesGate = new Promise<void>((resolve) => (release = resolve))
    const tw = start(collector, { writeKey, rules: 'remote', autoPage: false })
    // Another page of the site, which will go away before it is ready, leaving its events in the
    // backup (it started before the rules were cached: it waits for its own, which never come).
    const slow = fakeCollector()
    slow.state.rulesGate = new Promise(() => undefined)
    const closing = new AbortController()
    start(slow, { writeKey, rules: 'remote', signal: closing.signal }).track('Left early')
    await settle()
    release()
    await tw.ready
    tw.identify('u1', { plan: 'gold', email: 'ada@example.com' })
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    await tw.flush()
    // Both pages go away: this one leaves its records and its unsaved events (Page Left) in the
    // backup, the other its early events.
    pagehide()
    closing.abort()
    await settle()
    expect(await stored(writeKey)).toEqual({
      indexedDb: ['durable', 'queue', 'rules', 'state', 'user'].map((n) => `${writeKey}:${n}`),
      localStorage: ['backup', 'early', 'unsaved'].map((n) => `${writeKey}:${n}`),
    })

    tw.consent(false)
    await settle()
    expect(await stored(writeKey)).toEqual({ indexedDb: [], localStorage: [] })

    // From then on nothing is stored: not events, tags from the edge, rules or the page's backup.
    tw.track('Product Viewed')
    await tw.flush()
    pagehide()
    await settle()
    expect(await stored(writeKey)).toEqual({ indexedDb: [], localStorage: [] })
    // And the next page starts as a new person.
    const next = start(fakeCollector(), { writeKey, autoPage: false })
    await next.ready
    expect(next.user().anonymousId).not.toBe(tw.user().anonymousId)
    expect(next.user().userId).toBeUndefined()
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

  it('consent(false) then consent(true) at once does not bring back the erased queue', async () => {
    // A consent tool that withdraws and grants again in one task (a banner's "reject all", then
    // the visitor's choice): the events queued before the withdrawal were erased, and stay so.
    const writeKey = freshKey()
    const collector = fakeCollector()
    collector.reply('network-error')
    const tw = start(collector, { writeKey, autoPage: false })
    await tw.ready
    tw.track('before withdrawal')
    await tw.flush()
    await settle()
    tw.consent(false)
    tw.consent(true)
    tw.track('after consent')
    window.dispatchEvent(new Event('online')) // skip the backoff left by the failure
    await settle()
    await tw.flush()
    expect(collector.events().map((e) => e.event)).toEqual(['before withdrawal', 'after consent'])
    const reload = fakeCollector()
    await start(reload, { writeKey, autoPage: false }).flush()
    expect(reload.events()).toEqual([])
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
