// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { fakeCollector, freshKey, setVisible, settle, start } from './harness.ts'

describe('persisted queue', () => {
  it('sends events queued on a previous page load (nothing lost when a page closes)', async () => {
    const writeKey = freshKey()
    const offline = fakeCollector()
    offline.reply('network-error')
    const first = start(offline, { writeKey, autoPage: false })
    first.track('Order Completed', { revenue: 50 })
    await first.flush()
    await settle()
    expect(offline.batches()).toHaveLength(1)

    const collector = fakeCollector()
    const second = start(collector, { writeKey, autoPage: false })
    await second.flush()
    expect(collector.events().map((e) => e.event)).toEqual(['Order Completed'])
    expect(collector.events()[0].messageId).toBe(offline.events()[0].messageId)

    await settle()
    const third = fakeCollector()
    await start(third, { writeKey, autoPage: false }).flush()
    expect(third.events()).toEqual([]) // acknowledged events left the stored queue
  })

  it('keeps the events of a page closed before it was ready, and the next page sends them once', async () => {
    const writeKey = freshKey()
    const slow = fakeCollector()
    slow.state.rulesGate = new Promise(() => undefined) // the first page never gets its rules
    const closing = new AbortController()
    start(slow, { writeKey, rules: 'remote', signal: closing.signal }).track('Coupon Claimed', {
      coupon_id: 'c1',
    })
    window.dispatchEvent(new Event('pagehide'))
    closing.abort()

    const collector = fakeCollector()
    const next = start(collector, { writeKey, autoPage: false })
    await next.ready
    expect(next.has('coupon_claimer')).toBe(true)
    await next.flush()
    const sent = collector.events()
    expect(sent.map((e) => e.event ?? e.type)).toEqual(['page', 'Coupon Claimed', 'Page Left'])
    expect(new Set(sent.map((e) => e.messageId)).size).toBe(3)
    expect(sent.every((e) => e.anonymousId === next.user().anonymousId)).toBe(true)

    await settle()
    const again = fakeCollector()
    await start(again, { writeKey, autoPage: false }).flush()
    expect(again.events()).toEqual([])
  })

  it('counts once what another page left while this one was away before it was ready', async () => {
    const writeKey = freshKey()
    let release = () => {}
    const gated = fakeCollector()
    gated.state.rulesGate = new Promise<void>((resolve) => (release = resolve))
    const away = start(gated, { writeKey, rules: 'remote' })
    away.track('Coupon Claimed', { coupon_id: 'a1' })
    setVisible(false) // away leaves its early events in the backup
    setVisible(true)

    const other = fakeCollector()
    other.state.rulesGate = new Promise(() => undefined)
    const closing = new AbortController()
    // Takes what `away` left, adds its own, and goes away before it is ready too.
    start(other, { writeKey, rules: 'remote', signal: closing.signal }).track('Coupon Claimed', {
      coupon_id: 'o1',
    })
    setVisible(false)
    closing.abort()
    setVisible(true)

    release()
    await away.ready
    await away.flush()
    const coupons = gated.events().filter((e) => e.event === 'Coupon Claimed')
    expect(coupons.map((e) => e.properties?.coupon_id)).toEqual(['a1', 'o1'])
    expect(gated.events().filter((e) => e.type === 'page')).toHaveLength(2)
    expect(new Set(gated.events().map((e) => e.messageId)).size).toBe(gated.events().length)
  })

  it('drops the oldest events beyond maxQueue and reports how many in the next batch', async () => {
    const collector = fakeCollector()
    collector.reply('network-error')
    const tw = start(collector, { autoPage: false, maxQueue: 3, flushAt: 100 })
    await tw.ready
    for (let i = 1; i <= 5; i++) tw.track(`e${i}`)
    await tw.flush()
    expect(tw.queued()).toEqual({ events: 3, dropped: 2 })
    collector.requests.length = 0
    window.dispatchEvent(new Event('online'))
    await tw.flush()
    // After the failure, in smaller batches (transport.ts): the first reports the dropped ones.
    const sent = collector.batches()
    expect(sent.flatMap((request) => request.body.batch.map((e: any) => e.event))).toEqual([
      'e3',
      'e4',
      'e5',
    ])
    expect(sent[0]!.body.context).toEqual({ droppedEvents: 2 })
    expect(tw.queued()).toEqual({ events: 0, dropped: 0 })
    tw.track('e6')
    await tw.flush()
    expect(collector.batches().at(-1)!.body.context).toBeUndefined()
  })

  it('keeps the queued events of every tab of the site', async () => {
    const writeKey = freshKey()
    const tabA = fakeCollector()
    const tabB = fakeCollector()
    tabA.reply('network-error')
    tabB.reply('network-error')
    const a = start(tabA, { writeKey, autoPage: false })
    const b = start(tabB, { writeKey, autoPage: false })
    a.track('in tab A')
    b.track('in tab B')
    await Promise.all([a.flush(), b.flush()])
    await settle()
    a.track('in tab A again')
    await settle()
    const collector = fakeCollector()
    await start(collector, { writeKey, autoPage: false }).flush()
    expect(
      collector
        .events()
        .map((e) => e.event)
        .sort(),
    ).toEqual(['in tab A', 'in tab A again', 'in tab B'])
  })
})
