// @vitest-environment happy-dom
// The count of events dropped from a full queue is the site's, like the queue: two instances of one
// writeKey over one IndexedDB stand for two tabs of one origin, and every dropped event is reported
// once, whichever tab reports it.
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { fakeCollector, freshKey, settle, start } from './harness.ts'

/** The dropped counts the collectors were told of, over all their batches. */
const reported = (...collectors: ReturnType<typeof fakeCollector>[]) =>
  collectors
    .flatMap((collector) => collector.batches())
    .reduce((sum, request) => sum + (request.body.context?.droppedEvents ?? 0), 0)

describe('dropped events across the tabs of a site', () => {
  it('two tabs that load a stored count report it once between them', async () => {
    const writeKey = freshKey()
    const offline = fakeCollector()
    offline.reply('network-error')
    const full = start(offline, { writeKey, autoPage: false, maxQueue: 3, flushAt: 100 })
    await full.ready
    for (let i = 1; i <= 5; i++) full.track(`e${i}`)
    await full.flush()
    await settle()
    expect(full.queued().dropped).toBe(2)

    const tabA = fakeCollector()
    const tabB = fakeCollector()
    const a = start(tabA, { writeKey, autoPage: false })
    const b = start(tabB, { writeKey, autoPage: false })
    await Promise.all([a.ready, b.ready])
    a.track('in A')
    b.track('in B')
    await a.flush()
    await settle()
    await b.flush()
    await settle()
    expect(reported(tabA, tabB)).toBe(2)
  })

  it('a count one tab drops while another writes the queue is not lost', async () => {
    const writeKey = freshKey()
    const offlineA = fakeCollector()
    const offlineB = fakeCollector()
    offlineA.reply('network-error')
    offlineB.reply('network-error')
    const a = start(offlineA, { writeKey, autoPage: false, maxQueue: 3, flushAt: 100 })
    const b = start(offlineB, { writeKey, autoPage: false, flushAt: 100 })
    await Promise.all([a.ready, b.ready])
    for (let i = 1; i <= 5; i++) a.track(`a${i}`)
    await settle()
    b.track('b1') // B writes the shared queue after A counted its drops
    await settle()

    // Tab A closes unreported; the next page reports what it dropped.
    const collector = fakeCollector()
    const next = start(collector, { writeKey, autoPage: false })
    await next.ready
    await next.flush()
    expect(reported(collector)).toBe(2)
  })
})
