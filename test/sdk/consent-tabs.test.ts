// @vitest-environment happy-dom
// Consent is the site's, not the tab's: two instances of one writeKey stand for two tabs of one
// origin (Node's BroadcastChannel connects them as a browser connects the tabs; the browser itself
// in test/e2e/sdk.test.ts).
import 'fake-indexeddb/auto'
import { createStore, keys } from 'idb-keyval'
import { describe, expect, it } from 'vitest'
import { fakeCollector, fakeTime, freshKey, pagehide, settle, start } from './harness.ts'

/** What the SDK of `writeKey` has stored: IndexedDB keys and localStorage keys. */
async function stored(writeKey: string) {
  const prefix = `${writeKey}:`
  const indexedDb = (await keys(createStore('tagwise', 'kv'))).map(String)
  return [...indexedDb, ...Object.keys(localStorage)].filter((k) => k.startsWith(prefix)).sort()
}

/** Two tabs of one site, both ready, each with its own collector (to tell who sent what). */
async function twoTabs() {
  const writeKey = freshKey()
  const collectors = { first: fakeCollector(), second: fakeCollector() }
  const first = start(collectors.first, { writeKey, autoPage: false })
  const second = start(collectors.second, { writeKey, autoPage: false })
  await Promise.all([first.ready, second.ready])
  return { writeKey, first, second, collectors }
}

describe('consent across the tabs of a site', () => {
  it('a withdrawal in one tab stops the other tab sending and storing, which keeps its tags', async () => {
    const { writeKey, first, second, collectors } = await twoTabs()
    second.identify('u1')
    second.track('Coupon Claimed', { coupon_id: 'c1' })
    await second.flush()
    pagehide() // both tabs write their backup
    await settle()
    expect(await stored(writeKey)).not.toEqual([])
    const sent = collectors.second.requests.length

    first.consent(false)
    await settle()
    expect(await stored(writeKey)).toEqual([])
    second.track('Coupon Claimed', { coupon_id: 'c2' })
    second.identify('u2')
    await second.flush()
    pagehide()
    await settle()
    expect(await stored(writeKey)).toEqual([])
    expect(collectors.second.requests.length).toBe(sent)
    // On the device the tags still work, in memory.
    expect(second.has('coupon_claimer')).toBe(true)
    expect(second.user().userId).toBe('u2')
  })

  it('a grant in one tab resumes sending in the other', async () => {
    const { first, second, collectors } = await twoTabs()
    first.consent(false)
    await settle()
    second.track('while withdrawn')
    first.consent(true)
    await settle()
    second.track('after the grant')
    await second.flush()
    expect(collectors.second.events().map((e) => e.event)).toEqual(['after the grant'])
  })

  it('a withdrawal then a grant in one task reach the other tab in that order', async () => {
    // A consent tool's "reject all" followed at once by the visitor's choice, in one millisecond.
    fakeTime()
    const { first, second, collectors } = await twoTabs()
    collectors.second.reply('network-error')
    second.track('queued before')
    await second.flush()
    first.consent(false)
    first.consent(true)
    await settle()
    second.track('after both')
    window.dispatchEvent(new Event('online')) // skip the backoff left by the failure
    await settle()
    await second.flush()
    // The withdrawal erased the queued event (sent once, unanswered); the grant holds.
    expect(collectors.second.events().map((e) => e.event)).toEqual(['queued before', 'after both'])
  })

  it("the other tab's events tracked just before the withdrawal reached it are erased too", async () => {
    // Its writes were scheduled before it knew: they land, then its own erase deletes them.
    const { writeKey, first, second } = await twoTabs()
    second.identify('u1')
    second.track('just before')
    first.consent(false)
    await settle()
    expect(await stored(writeKey)).toEqual([])
  })

  it("the other tab's batch in flight at the withdrawal: nothing is stored or sent after it", async () => {
    const { writeKey, first, second, collectors } = await twoTabs()
    let answer = () => {}
    collectors.second.state.gate = new Promise<void>((resolve) => (answer = resolve))
    collectors.second.state.tags = { vip: true } // the answer carries durable tags
    second.track('in flight')
    const flushed = second.flush()
    await settle()
    expect(collectors.second.batches()).toHaveLength(1)
    second.track('queued behind it')
    first.consent(false)
    await settle()
    answer()
    await flushed
    await settle()
    expect(await stored(writeKey)).toEqual([])
    expect(collectors.second.batches()).toHaveLength(1)
    expect(second.queued().events).toBe(0)
  })
})
