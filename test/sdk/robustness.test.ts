// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { createTagwise } from '../../sdk/index.ts'
import { fakeCollector, fakeTime, freshKey, setBeacon, settle, start } from './harness.ts'

/** Starts an instance, uses every call, and returns what the collector got. */
async function exercise(options: Parameters<typeof start>[1] = {}) {
  const collector = fakeCollector()
  const tw = start(collector, options)
  tw.identify('u1', { vip: true })
  tw.track('Coupon Claimed', { coupon_id: 'c' })
  await tw.ready
  tw.page()
  tw.alias('u2')
  await tw.explain('coupon_claimer')
  tw.on('change', () => undefined)()
  window.dispatchEvent(new Event('pagehide'))
  await tw.flush()
  await settle()
  return { tw, collector }
}

describe('never breaks the host page', () => {
  it('works in memory without IndexedDB', async () => {
    vi.stubGlobal('indexedDB', undefined)
    const { tw, collector } = await exercise()
    expect(tw.has('coupon_claimer')).toBe(true)
    expect(collector.events().length).toBeGreaterThan(3)
  })

  it('falls back to memory when IndexedDB throws', async () => {
    vi.stubGlobal('indexedDB', {
      open() {
        throw new DOMException('The operation is insecure.', 'SecurityError')
      },
    })
    const { tw, collector } = await exercise()
    expect(tw.has('coupon_claimer')).toBe(true)
    expect(collector.events().length).toBeGreaterThan(3)
  })

  it('falls back to memory when IndexedDB never answers, and sends what was tracked', async () => {
    // Opening the database neither succeeds nor fails (Safari's IndexedDB after the app was in the
    // background, a database blocked by another tab): the start and every send wait for storage.
    fakeTime()
    vi.stubGlobal('indexedDB', { open: () => ({}) })
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    tw.track('tracked while storage hangs')
    let ready = false
    void tw.ready.then(() => (ready = true))
    await vi.advanceTimersByTimeAsync(10_000)
    await settle()
    expect(ready).toBe(true)
    tw.track('tracked after')
    void tw.flush()
    await settle()
    expect(collector.events().map((event) => event.event)).toEqual([
      'tracked while storage hangs',
      'tracked after',
    ])
  })

  it('uses memory with storage: "memory"', async () => {
    const writeKey = freshKey()
    const { tw } = await exercise({ writeKey, storage: 'memory' })
    const next = start(fakeCollector(), { writeKey, storage: 'memory' })
    await next.ready
    expect(next.user().anonymousId).not.toBe(tw.user().anonymousId)
  })

  it('keeps working without fetch (events wait in the queue)', async () => {
    vi.stubGlobal('fetch', undefined)
    const collector = fakeCollector()
    const tw = start(collector, { fetch: undefined, rules: 'remote' })
    tw.track('a')
    await tw.ready
    await expect(tw.flush()).resolves.toBeUndefined()
    expect(tw.tags()).toEqual({})
  })

  it('keeps working without sendBeacon, MutationObserver and crypto.randomUUID', async () => {
    setBeacon(undefined)
    vi.stubGlobal('MutationObserver', undefined)
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto) })
    document.body.innerHTML = '<p id="p" data-tw-show-if="coupon_claimer" hidden>x</p>'
    const { tw, collector } = await exercise()
    expect(tw.has('coupon_claimer')).toBe(true)
    // Revealing loads the show/hide chunk (a dynamic import): under load it can take longer than
    // the harness's settle rounds, so wait for it (this failed about 1 run in 4 on a busy machine).
    await vi.waitFor(() => expect(document.getElementById('p')!.hidden).toBe(false))
    for (const event of collector.events()) expect(event.messageId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('survives a fetch that throws synchronously and responses that are not JSON', async () => {
    const collector = fakeCollector()
    let calls = 0
    const tw = start(collector, {
      rules: 'remote',
      fetch: ((...args: Parameters<typeof fetch>) => {
        if (++calls === 1) throw new TypeError('blocked by an extension')
        if (calls === 2)
          return Promise.resolve({
            status: 200,
            headers: { get: () => null },
            json: () => Promise.reject(new SyntaxError('Unexpected token <')),
          })
        return collector.fetch(...args)
      }) as typeof fetch,
    })
    tw.track('a')
    await tw.ready
    await tw.flush()
    await settle()
    expect(tw.tags()).toBeTypeOf('object')
  })

  it('sends properties JSON cannot hold, and every event after them (they wedged the queue)', async () => {
    // A circular object, a BigInt or a getter that throws reached the queue as they were; every
    // later send stringified them and threw: nothing was sent again, on this page or (the queue
    // is stored) on any later one, and in Node the rejection ended the process.
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    const circular: Record<string, unknown> = { name: 'cart' }
    circular.self = circular
    const shared = { sku: 'A' }
    expect(() => {
      // As a page without TypeScript passes them (the API's types allow JSON values only).
      const untyped = tw as unknown as { track(event: string, properties: unknown): void }
      untyped.track('Circular', { cart: circular, items: [shared, shared] })
      untyped.track('BigInt', { id: 12345678901234567890n, small: 7n })
      tw.identify('u1', {
        get broken(): string {
          throw new Error('a getter that throws')
        },
      })
      tw.track('After')
    }).not.toThrow()
    await tw.flush()
    await settle()
    const events = collector.events()
    expect(events.map((event) => event.event ?? event.type)).toEqual([
      'Circular',
      'BigInt',
      'After',
    ])
    // A cycle is cut where it closes; a shared object is no cycle.
    expect(events[0]!.properties).toEqual({
      cart: { name: 'cart', self: '[Circular]' },
      items: [{ sku: 'A' }, { sku: 'A' }],
    })
    // A BigInt as its digits.
    expect(events[1]!.properties).toEqual({ id: '12345678901234567890', small: '7' })
    expect(tw.queued().events).toBe(0)
  })

  it('ignores invalid inline rules', async () => {
    const tw = start(fakeCollector(), { rules: { version: 1 } as never })
    await tw.ready
    tw.track('a')
    expect(tw.tags()).toEqual({})
  })

  it('returns a working no-op instance when it cannot start at all', async () => {
    const tw = createTagwise(undefined as never)
    expect(() => tw.track('a')).not.toThrow()
    expect(tw.tags()).toEqual({})
    await expect(tw.flush()).resolves.toBeUndefined()
    await expect(tw.ready).resolves.toBeUndefined()
  })
})
