// @vitest-environment happy-dom
// The transport within the collector's and the browser's limits (issue 17, finding 8): batches
// sized by bytes, a 413 that splits instead of dropping, keepalive and beacons counted in UTF-8
// bytes, a timeout on every request. Nothing is dropped but what can never be accepted, and that
// never holds up the queue.
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { REQUEST_TIMEOUT_MS } from '../../sdk/browser/platform.ts'
import {
  KEEPALIVE_QUOTA,
  MAX_BODY_BYTES,
  beacon,
  fakeCollector,
  fakeTime,
  setVisible,
  settle,
  start,
} from './harness.ts'

/** `n` characters of CJK text: 1 UTF-16 unit but 3 UTF-8 bytes each. */
const cjk = (n: number) => '中'.repeat(n)
const utf8 = (text: string) => Buffer.byteLength(text)

describe('transport limits', () => {
  it('sizes batches by bytes: 100 events of 6 KB all arrive, no body over 500 KB', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, flushAt: 1000 })
    await tw.ready
    for (let i = 0; i < 100; i++) tw.track('Big', { i, text: 'x'.repeat(6000) })
    await tw.flush()
    expect(collector.accepted().map((e) => e.properties.i)).toEqual([...Array(100).keys()])
    expect(collector.batches().every((r) => r.bytes <= MAX_BODY_BYTES)).toBe(true)
    expect(collector.batches().length).toBeGreaterThan(1)
    expect(tw.queued().events).toBe(0)
  })

  it('splits a batch answered 413 (a proxy with a lower limit): every event arrives once', async () => {
    const collector = fakeCollector()
    collector.state.maxBody = 50_000
    const tw = start(collector, { autoPage: false, flushAt: 1000 })
    await tw.ready
    for (let i = 0; i < 20; i++) tw.track('Big', { i, text: 'x'.repeat(6000) })
    await tw.flush()
    const ids = collector.accepted().map((e) => e.properties.i)
    expect(ids).toEqual([...Array(20).keys()])
    expect(tw.queued().events).toBe(0)
  })

  it('drops an event over the body limit on its own, reports it, and sends the rest', async () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined)
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, flushAt: 1000, debug: true })
    await tw.ready
    tw.track('Before')
    tw.track('Huge', { text: 'x'.repeat(600_000) })
    tw.track('After')
    await tw.flush()
    expect(collector.accepted().map((e) => e.event)).toEqual(['Before', 'After'])
    expect(tw.queued().events).toBe(0)
    // The collector refused it alone (413): dropped, and said so in debug mode.
    const huge = collector.batches().find((r) => r.body.batch[0].event === 'Huge')
    expect(huge?.body.batch).toHaveLength(1)
    expect(debug).toHaveBeenCalledWith('[tagwise]', 'batch dropped', 413, [
      expect.objectContaining({ event: 'Huge' }),
    ])
  })

  it('drops an event over 32 KB that the collector rejects, reports it, and sends the rest', async () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => undefined)
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, flushAt: 1000, debug: true })
    await tw.ready
    tw.track('Large', { text: 'x'.repeat(40_000) })
    tw.track('After')
    await tw.flush()
    expect(collector.accepted().map((e) => e.event)).toEqual(['After'])
    expect(tw.queued().events).toBe(0)
    expect(debug).toHaveBeenCalledWith(
      '[tagwise]',
      'rejected',
      expect.any(String),
      'event over the 32 KB limit',
    )
  })

  it('asks for keepalive only for bodies within 64 KiB in UTF-8 bytes (CJK text)', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    // 3 events of 9,000 CJK characters: 27,000 UTF-16 units, 81,000 UTF-8 bytes. Chromium refuses
    // such a body as a keepalive request (a TypeError, as for a network error).
    for (let i = 0; i < 3; i++) tw.track('Review', { text: cjk(9000) })
    await tw.flush()
    tw.track('Small')
    await tw.flush()
    expect(collector.accepted().map((e) => e.event)).toEqual([
      'Review',
      'Review',
      'Review',
      'Small',
    ])
    expect(collector.batches().map((r) => [r.body.batch.length, r.keepalive])).toEqual([
      [3, false],
      [1, true],
    ])
  })

  it('hands the beacon only what fits in 64 KiB of UTF-8 bytes; the rest waits', async () => {
    const collector = fakeCollector()
    collector.reply('network-error')
    const tw = start(collector, { autoPage: false, flushAt: 1000 })
    await tw.ready
    // 9,000 CJK characters: 27,000 bytes each, 9,000 UTF-16 units.
    for (let i = 0; i < 3; i++) tw.track('Review', { i, text: cjk(9000) })
    await tw.flush()
    setVisible(false)
    expect(beacon).toHaveBeenCalledTimes(1)
    const body = beacon.mock.calls[0]![1]
    expect(utf8(body)).toBeLessThanOrEqual(KEEPALIVE_QUOTA)
    expect(
      JSON.parse(body).batch.map((e: { properties: { i: number } }) => e.properties.i),
    ).toEqual([0, 1])
    expect(tw.queued().events).toBe(3)
  })

  it('keeps an event that alone is over the beacon limit for the next flush', async () => {
    const collector = fakeCollector()
    collector.reply('network-error')
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('Review', { text: cjk(30_000) })
    await tw.flush()
    setVisible(false)
    // Refused (as Chromium would), and so is the keepalive request tried after it: no request.
    expect(beacon).toHaveReturnedWith(false)
    expect(tw.queued().events).toBe(1)
    setVisible(true)
    window.dispatchEvent(new Event('online'))
    await tw.flush()
    // Sent without keepalive, both times; at 90,000 bytes the collector rejects it (32 KB per
    // event), and it is dropped.
    expect(collector.batches().map((r) => [r.body.batch[0].event, r.keepalive])).toEqual([
      ['Review', false],
      ['Review', false],
    ])
    expect(tw.queued().events).toBe(0)
  })

  it('aborts a request that does not answer within the timeout, and retries', async () => {
    fakeTime()
    // happy-dom's AbortSignal.timeout runs on a clock of its own: this one runs on the fake timers.
    vi.spyOn(AbortSignal, 'timeout').mockImplementation((ms) => {
      const controller = new AbortController()
      setTimeout(() => controller.abort(new DOMException('signal timed out', 'TimeoutError')), ms)
      return controller.signal
    })
    const collector = fakeCollector()
    collector.state.gate = new Promise(() => undefined) // never answers
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('a')
    const flushed = tw.flush()
    await settle()
    const [first] = collector.batches()
    expect(first?.signal?.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS - 1)
    expect(first?.signal?.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(first?.signal?.aborted).toBe(true)
    await flushed // the failed send ends the flush; the retry is scheduled
    collector.state.gate = undefined
    await vi.advanceTimersByTimeAsync(1000) // the first backoff: at most 1 s
    await settle()
    expect(collector.accepted().map((e) => e.event)).toEqual(['a'])
    // Every request, tag reads included, has its timeout.
    expect(vi.mocked(AbortSignal.timeout).mock.calls).toEqual(
      collector.requests.map(() => [REQUEST_TIMEOUT_MS]),
    )
  })
})
