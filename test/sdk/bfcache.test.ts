// @vitest-environment happy-dom
// A page going into the back/forward cache (`pagehide` with `persisted`) starts no IndexedDB
// operation until it is back: frozen, it could not finish one, and the open transaction has
// Chromium evict the page as soon as another page of the site opens the database
// (test/e2e/bfcache.test.ts shows it in Chromium). What it has not stored goes to the synchronous
// backup instead, so no event is lost when the page is evicted later and never comes back.
import 'fake-indexeddb/auto'
import { createStore, get } from 'idb-keyval'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { indexedDbStore } from '../../sdk/browser/storage.ts'
import {
  fakeCollector,
  fakeTime,
  freshKey,
  setBeacon,
  setVisible,
  settle,
  start,
} from './harness.ts'

const cached = (persisted: boolean, type: 'pagehide' | 'pageshow') => {
  const event = new Event(type)
  Object.defineProperty(event, 'persisted', { value: persisted })
  window.dispatchEvent(event)
}
/** The page goes into the back/forward cache. */
const freeze = () => cached(true, 'pagehide')
/** The page comes back from it. */
const restore = () => cached(true, 'pageshow')

/** Counts the IndexedDB transactions pages start. */
const transactions = () => vi.spyOn(IDBDatabase.prototype, 'transaction')
const stored = (key: string) => get(key, createStore('tagwise', 'kv'))
const eventNames = (events: { type: string; event?: string }[]) =>
  events.map((e) => e.event ?? e.type)

afterEach(() => {
  vi.restoreAllMocks()
  localStorage.clear()
})

describe('the back/forward cache', () => {
  it('holds IndexedDB while the page is in it, and writes what it held once the page is back', async () => {
    const writeKey = freshKey()
    const collector = fakeCollector()
    const tw = start(collector, { writeKey, autoPage: false })
    await tw.ready
    await settle()
    const opened = transactions()
    tw.track('Cart Viewed', {})
    freeze()
    await settle()
    expect(opened).not.toHaveBeenCalled()
    // What the page would lose if it never came back is in the backup.
    expect(eventNames(JSON.parse(localStorage.getItem(`${writeKey}:unsaved`)!))).toEqual([
      'Cart Viewed',
      'Page Left',
    ])
    expect(localStorage.getItem(`${writeKey}:backup`)).not.toBeNull()

    restore()
    await settle()
    expect(opened).toHaveBeenCalled()
    const queue = (await stored(`${writeKey}:queue`)) as { items: { event?: string }[] }
    expect(eventNames(queue.items as { type: string }[])).toEqual(
      expect.arrayContaining(['Cart Viewed', 'Page Left']),
    )
  })

  it('a page that leaves for good (no `persisted`) stores as it goes, as before', async () => {
    const writeKey = freshKey()
    const tw = start(fakeCollector(), { writeKey, autoPage: false })
    await tw.ready
    await settle()
    const opened = transactions()
    tw.track('Cart Viewed', {})
    cached(false, 'pagehide')
    await settle()
    expect(opened).toHaveBeenCalled()
  })

  it('the next page sends the events of a cached page that never comes back, each once', async () => {
    const writeKey = freshKey()
    // The beacon and its keepalive fallback fail: only storage carries the events on.
    setBeacon(() => false)
    const offline = fakeCollector()
    offline.reply(...Array<'network-error'>(10).fill('network-error'))
    const evicted = new AbortController()
    const first = start(offline, { writeKey, autoPage: false, signal: evicted.signal })
    await first.ready
    first.track('Order Completed', { revenue: 50 })
    freeze()
    await settle()
    evicted.abort() // evicted from the cache: its held writes never run

    const collector = fakeCollector()
    const next = start(collector, { writeKey, autoPage: false })
    await next.ready
    await next.flush()
    expect(eventNames(collector.events())).toEqual(['Order Completed', 'Page Left'])
    expect(next.queued()).toEqual({ events: 0, dropped: 0 })

    await settle()
    const third = fakeCollector()
    await start(third, { writeKey, autoPage: false }).flush()
    expect(third.events()).toEqual([])
    expect(localStorage.getItem(`${writeKey}:unsaved`)).toBeNull()
  })

  it('a cached page that comes back after the next page took its events sends them under the same ids', async () => {
    const writeKey = freshKey()
    setBeacon(() => false)
    const offline = fakeCollector()
    offline.reply(...Array<'network-error'>(10).fill('network-error'))
    const first = start(offline, { writeKey, autoPage: false })
    await first.ready
    first.track('Order Completed', { revenue: 50 })
    freeze()
    await settle()

    const collector = fakeCollector()
    const leaving = new AbortController()
    const next = start(collector, { writeKey, autoPage: false, signal: leaving.signal })
    await next.ready
    await next.flush()
    leaving.abort()
    const sent = collector.events().filter((e) => e.event === 'Order Completed')
    expect(sent).toHaveLength(1)

    // Back from the cache: the first page still holds the event and sends it; the collector
    // counts a messageId once.
    restore()
    await first.flush()
    const again = offline.events().filter((e) => e.event === 'Order Completed')
    expect(new Set([...sent, ...again].map((e) => e.messageId)).size).toBe(1)
  })

  it('leaves no backup of events once the store has them', async () => {
    const writeKey = freshKey()
    const collector = fakeCollector()
    const tw = start(collector, { writeKey, autoPage: false, dwell: false })
    await tw.ready
    tw.track('Cart Viewed', {})
    setVisible(false) // not stored yet: backed up
    setVisible(true)
    expect(localStorage.getItem(`${writeKey}:unsaved`)).not.toBeNull()
    await tw.flush()
    await settle()
    setVisible(false) // everything acknowledged: this page's earlier backup goes
    setVisible(true)
    expect(localStorage.getItem(`${writeKey}:unsaved`)).toBeNull()
  })

  it('aborts a transaction still open as the page goes, and runs its operation again once back', async () => {
    fakeTime()
    const store = indexedDbStore()
    const key = freshKey()
    const begin = IDBDatabase.prototype.transaction
    let aborted: IDBTransaction | undefined
    // The page goes into the cache while the update's transaction is open (between its read and
    // its write).
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementationOnce(function (
      this: IDBDatabase,
      ...args: Parameters<IDBDatabase['transaction']>
    ) {
      aborted = begin.apply(this, args)
      queueMicrotask(() => store._hold(true))
      return aborted
    })
    let runs = 0
    const updated = store.update(key, () => ++runs)
    await settle()
    expect(aborted?.error?.name ?? 'AbortError').toBe('AbortError')
    expect(await stored(key)).toBeUndefined()

    store._hold(false)
    // Aborted between its read and its write, idb-keyval's update never settles: the deadline
    // ends it, and it runs again, on IndexedDB (not the memory fallback).
    vi.advanceTimersByTime(5000)
    await updated
    expect(await stored(key)).toBe(runs)
    await store.set(key, 'still IndexedDB')
    expect(await stored(key)).toBe('still IndexedDB')
  })
})
