// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { beacon, fakeCollector, fakeTime, setVisible, settle, start } from './harness.ts'

const names = (request: { body: { batch: { event?: string }[] } }) =>
  request.body.batch.map((e) => e.event)

/** Lets queued persistence and the request chain run under fake timers. */
const tick = async (ms = 0) => {
  await settle()
  await vi.advanceTimersByTimeAsync(ms)
  await settle()
}

/**
 * `collector`'s fetch, except that `first` answers the first batch request (the others, and every
 * other request, reach the collector).
 */
function answeringFirstBatch(
  collector: ReturnType<typeof fakeCollector>,
  first: (url: string, init: RequestInit) => Promise<unknown>,
): typeof globalThis.fetch {
  let answered = false
  return (async (url: string, init: RequestInit) => {
    if (answered || !url.endsWith('/v1/batch')) return collector.fetch(url, init)
    answered = true
    return first(url, init)
  }) as unknown as typeof globalThis.fetch
}

describe('transport', () => {
  it('sends a batch at flushAt events, else after flushInterval', async () => {
    fakeTime()
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, flushAt: 3, flushInterval: 2000 })
    await tw.ready
    tw.track('a')
    tw.track('b')
    await tick()
    expect(collector.batches()).toHaveLength(0)
    tw.track('c')
    await tick()
    expect(collector.batches().map(names)).toEqual([['a', 'b', 'c']])
    tw.track('d')
    await tick(1999)
    expect(collector.batches()).toHaveLength(1)
    await tick(1)
    expect(collector.batches().map(names)).toEqual([['a', 'b', 'c'], ['d']])
  })

  it('posts text/plain with the writeKey in the body, keepalive, and sentAt', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, writeKey: 'wk-1' })
    tw.track('a')
    await tw.flush()
    const [request] = collector.batches()
    expect(request).toMatchObject({
      method: 'POST',
      url: 'https://collect.test/v1/batch',
      headers: { 'content-type': 'text/plain' },
      keepalive: true,
      body: { writeKey: 'wk-1', sentAt: expect.any(String) },
    })
  })

  it('retries server errors and network failures with growing, jittered delays', async () => {
    fakeTime()
    vi.spyOn(Math, 'random').mockReturnValue(1)
    const collector = fakeCollector()
    collector.reply({ status: 500 }, 'network-error', { status: 503 })
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('a')
    await tw.flush()
    expect(collector.batches()).toHaveLength(1)
    await tick(999)
    expect(collector.batches()).toHaveLength(1)
    await tick(1)
    expect(collector.batches()).toHaveLength(2)
    await tick(1999)
    expect(collector.batches()).toHaveLength(2)
    await tick(1)
    expect(collector.batches()).toHaveLength(3)
    await tick(4000)
    expect(collector.batches()).toHaveLength(4)
    expect(collector.batches().map(names)).toEqual([['a'], ['a'], ['a'], ['a']])
    await tick(60_000)
    expect(collector.batches()).toHaveLength(4) // acknowledged: not sent again
  })

  it('retries by itself after a jittered delay that is not a whole millisecond', async () => {
    fakeTime()
    vi.spyOn(Math, 'random').mockReturnValue(0.3337)
    const collector = fakeCollector()
    collector.reply({ status: 500 })
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('a')
    await tw.flush()
    await tick(1000) // 500 + 0.3337 × 500 = 666.85 ms
    expect(collector.batches().map(names)).toEqual([['a'], ['a']])
  })

  it('waits as long as Retry-After says on 429', async () => {
    fakeTime()
    const collector = fakeCollector()
    collector.reply({ status: 429, headers: { 'retry-after': '30' } })
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('a')
    await tw.flush()
    tw.track('b')
    await tw.flush() // flush() does not jump the server's Retry-After
    await tick(29_000)
    expect(collector.batches()).toHaveLength(1)
    await tick(1000)
    expect(collector.batches().map(names)).toEqual([['a'], ['a', 'b']])
  })

  it('going back online does not shorten a wait the collector asked for (Retry-After)', async () => {
    // The collector answered: the network was there. `online` says nothing about the collector.
    fakeTime()
    const collector = fakeCollector()
    collector.reply(
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 503, headers: { 'retry-after': new Date(Date.now() + 90_000).toUTCString() } },
    )
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('a')
    await tw.flush()
    window.dispatchEvent(new Event('online'))
    await tick(29_000)
    expect(collector.batches()).toHaveLength(1)
    await tick(1000)
    expect(collector.batches()).toHaveLength(2)
    // An HTTP date, 60 s from now.
    window.dispatchEvent(new Event('online'))
    await tick(59_000)
    expect(collector.batches()).toHaveLength(2)
    await tick(1000)
    expect(collector.batches().map(names)).toEqual([['a'], ['a'], ['a']])
  })

  it('going back online does not shorten the backoff after a 5xx without Retry-After', async () => {
    fakeTime()
    const collector = fakeCollector()
    collector.reply({ status: 500 })
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('a')
    await tw.flush()
    window.dispatchEvent(new Event('online'))
    await tick()
    expect(collector.batches()).toHaveLength(1)
    await tick(1000) // the first backoff: 500 to 1000 ms
    expect(collector.batches().map(names)).toEqual([['a'], ['a']])
  })

  it('going back online ends the wait after a request that did not reach the collector', async () => {
    fakeTime()
    const collector = fakeCollector()
    collector.reply('network-error')
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('a')
    await tw.flush()
    window.dispatchEvent(new Event('online'))
    await tick()
    expect(collector.batches().map(names)).toEqual([['a'], ['a']])
  })

  it('waits out a Retry-After longer than a timer can wait (24.8 days) without spinning', async () => {
    // Browsers fire a setTimeout of more than 2^31 − 1 ms at once: waking and re-arming for the
    // rest of the wait would loop on timers for the page's life.
    fakeTime()
    const collector = fakeCollector()
    collector.reply({ status: 503, headers: { 'retry-after': String(30 * 86_400) } })
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('a')
    await tw.flush()
    const timers = vi.spyOn(globalThis, 'setTimeout')
    await tick(1000)
    expect(timers.mock.calls.length).toBeLessThan(5)
    await tick(30 * 86_400_000)
    expect(collector.batches().map(names)).toEqual([['a'], ['a']])
  })

  it('keeps one request in flight: events are never sent twice at the same time', async () => {
    const collector = fakeCollector()
    let open!: () => void
    collector.state.gate = new Promise((resolve) => (open = resolve))
    const tw = start(collector, { autoPage: false, flushAt: 1 })
    await tw.ready
    tw.track('a')
    await settle()
    tw.track('b')
    const flushed = tw.flush()
    await settle()
    expect(collector.batches().map(names)).toEqual([['a']])
    open()
    await flushed
    expect(collector.batches().map(names)).toEqual([['a'], ['b']])
  })

  it('drops events the collector rejects, and batches answered 4xx other than 429', async () => {
    const collector = fakeCollector()
    collector.reply(
      {
        status: 200,
        body: {
          success: true,
          accepted: 1,
          rejected: [{ index: 1, messageId: 'x', error: 'bad' }],
        },
      },
      { status: 400, body: { error: 'unparseable' } },
    )
    const tw = start(collector, { autoPage: false })
    tw.track('a')
    tw.track('b')
    await tw.flush()
    tw.track('c')
    await tw.flush()
    tw.track('d')
    await tw.flush()
    expect(collector.batches().map(names)).toEqual([['a', 'b'], ['c'], ['d']])
  })

  it('keeps a batch that a 200 not from the collector answered (a captive portal) and sends it again', async () => {
    // Hotel and airport Wi-Fi answer every request with their login page, 200 and HTML (fetch
    // follows their redirect): the batch was dropped as acknowledged, its events lost.
    fakeTime()
    const collector = fakeCollector()
    const fetch = answeringFirstBatch(collector, async () => ({
      status: 200,
      headers: { get: () => null },
      json: () => Promise.reject(new SyntaxError("Unexpected token '<'")),
    }))
    const tw = start(collector, { autoPage: false, fetch })
    await tw.ready
    tw.track('a')
    await tw.flush().catch(() => undefined)
    await tick(60_000)
    expect(collector.batches().map(names)).toEqual([['a']])
    expect(tw.queued().events).toBe(0)
  })

  it('sends fewer events per request after a request failed, so a slow network still gets them through', async () => {
    // On a slow network (2G: some 6 KB/s up) a full batch of 100 events outlasts the request
    // timeout every time: sent again whole, it never arrived, and the queue only grew.
    fakeTime()
    const collector = fakeCollector()
    const fetch = (async (url: string, init: RequestInit) => {
      if (url.endsWith('/v1/batch') && String(init.body).length > 100_000)
        throw new DOMException('signal timed out', 'TimeoutError')
      return collector.fetch(url, init)
    }) as unknown as typeof globalThis.fetch
    const tw = start(collector, { autoPage: false, flushAt: 1000, fetch })
    await tw.ready
    for (let i = 0; i < 60; i++) tw.track(`e${i}`, { note: 'x'.repeat(3000) })
    void tw.flush().catch(() => undefined)
    await tick(10 * 60_000)
    expect(collector.batches().flatMap(names)).toHaveLength(60)
    expect(tw.queued().events).toBe(0)
  })

  it('sends again the events a 200 answer lists as retryable (their profile could not commit)', async () => {
    // A batch spans two profiles (the visitor, then the user they identified as); the user's
    // object failed, the visitor's committed: collector/README.md, "Many profiles in one batch".
    fakeTime()
    const collector = fakeCollector()
    const fetch = answeringFirstBatch(collector, async (url, init) => {
      const batch = JSON.parse(String(init.body)).batch as { userId?: string; messageId: string }[]
      const rejected = batch.flatMap((event, index) =>
        event.userId === 'u1'
          ? [
              {
                index,
                messageId: event.messageId,
                error: 'its profile could not commit',
                retryable: true,
              },
            ]
          : [],
      )
      return collector.fetch(url, init).then((response) => ({
        ...response,
        json: async () => ({
          success: true,
          accepted: batch.length - rejected.length,
          duplicates: 0,
          rejected,
        }),
      }))
    })
    const tw = start(collector, { autoPage: false, fetch })
    await tw.ready
    tw.track('as a visitor')
    tw.identify('u1', {}, { userHash: 'h' })
    tw.track('as the user')
    await tw.flush()
    await tick(60_000)
    await tw.flush()
    expect(collector.batches().map(names)).toEqual([
      ['as a visitor', undefined, 'as the user'],
      [undefined, 'as the user'],
    ])
    expect(tw.queued().events).toBe(0)
  })

  it('waits while offline and sends when the browser is back online', async () => {
    const collector = fakeCollector()
    const online = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false)
    const tw = start(collector, { autoPage: false })
    tw.track('a')
    tw.track('b')
    await tw.flush()
    expect(collector.batches()).toHaveLength(0)
    online.mockReturnValue(true)
    window.dispatchEvent(new Event('online'))
    await tw.flush()
    expect(collector.batches().map(names)).toEqual([['a', 'b']])
    online.mockRestore()
  })

  it('sends every event exactly once through failures (ack-only removal)', async () => {
    fakeTime()
    const collector = fakeCollector()
    collector.reply('network-error', { status: 500 }, 'network-error')
    const tw = start(collector, { autoPage: false, flushAt: 2 })
    await tw.ready
    for (let i = 0; i < 7; i++) {
      tw.track(`e${i}`)
      await tick(500)
    }
    await tick(120_000)
    await tw.flush()
    const delivered = new Map<string, number>()
    const batches = collector.batches()
    // Only the acknowledged requests (the last reply of each retry run) count on the server.
    for (const request of batches.slice(3))
      for (const event of request.body.batch)
        delivered.set(event.messageId, (delivered.get(event.messageId) ?? 0) + 1)
    expect([...delivered.values()].every((n) => n === 1)).toBe(true)
    expect(delivered.size).toBe(7)
  })

  it('hands the queue to sendBeacon when the page is hidden, keeping it until acknowledged', async () => {
    const collector = fakeCollector()
    collector.reply('network-error')
    const tw = start(collector, { autoPage: false, writeKey: 'wk-hidden' })
    tw.track('a')
    await tw.flush()
    setVisible(false)
    expect(beacon).toHaveBeenCalledTimes(1)
    const payload = JSON.parse(beacon.mock.calls[0]![1])
    expect(payload).toMatchObject({ writeKey: 'wk-hidden', batch: [{ event: 'a' }] })
    setVisible(true)
    window.dispatchEvent(new Event('online'))
    await tw.flush()
    // Sent again: a beacon has no answer, the collector deduplicates by messageId.
    expect(collector.batches().map(names)).toEqual([['a'], ['a']])
  })
})
