// @vitest-environment node
// Ids in mini-programs (issue 17, finding 8): the runtime has no `crypto`, so the anonymousId,
// sessionIds and messageIds come from `wx.getRandomValues`, which answers asynchronously; a new
// person's ids wait for it (not forever), and without it ids fall back to `Math.random`.
import { randomInt } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import catalog from '../../examples/rules/catalog.json' with { type: 'json' }
import { createTagwise } from '../../sdk/miniprogram.ts'
import type { RulesDocument } from '../../rules/index.ts'
import { fakeStorage, fakeWx, type FakeRuntime } from './fake-runtime.ts'

const CATALOG = catalog as unknown as RulesDocument
/**
 * The fake's secure bytes are marked: each one's low 4 bits (a UUID digit) are 12–15, so an id
 * made from them has only the digits c–f (a Math.random id has that chance in 4^31).
 */
const marked = (length: number) => Uint8Array.from({ length }, () => 12 + randomInt(4))
const SECURE = /^[c-f]{8}-[c-f]{4}-4[c-f]{3}-[89ab][c-f]{3}-[c-f]{12}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

let runtimes: FakeRuntime[] = []
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
})
afterEach(() => {
  for (const rt of runtimes.splice(0)) rt.uninstall()
  vi.useRealTimers()
})

function boot(options: Parameters<typeof fakeWx>[0] = {}) {
  const rt = fakeWx({ random: marked, ...options })
  runtimes.push(rt)
  const tw = createTagwise({ writeKey: 'k', endpoint: 'https://collect.test', rules: CATALOG })
  ;(globalThis as any).App({})
  rt.definePage('home/index', {})
  return { rt, tw }
}

describe('mini-program ids', () => {
  it('makes the anonymousId, sessionId and messageIds from wx.getRandomValues', async () => {
    const requests: any[] = []
    const { rt, tw } = boot({
      server: (request) => {
        if (request.path === '/v1/batch') requests.push(...request.body.batch)
        return { status: 200, body: {} }
      },
    })
    rt.launch('/home/index')
    await tw.ready
    tw.track('Product Viewed')
    const flushed = tw.flush()
    await vi.advanceTimersByTimeAsync(100)
    await flushed
    const { anonymousId, sessionId } = tw.user()
    expect(requests.map((e) => e.type)).toEqual(['screen', 'track'])
    const [screen, track] = requests
    // The screen's messageId was made as the app launched, before the first bytes arrived: it
    // comes from Math.random (it only needs to differ from other messageIds).
    expect(screen.messageId).toMatch(UUID)
    for (const id of [anonymousId, sessionId, track.messageId]) expect(id).toMatch(SECURE)
    expect(new Set([anonymousId, sessionId, track.messageId]).size).toBe(3)
    expect(rt.storage.read('k:user').anonymousId).toBe(anonymousId)
    expect(rt.randomCalls).toBeGreaterThan(0)
  })

  it('names a new person only once the secure bytes are there, events made before included', async () => {
    const requests: any[] = []
    const { rt, tw } = boot({
      randomLatency: 50,
      server: (request) => {
        if (request.path === '/v1/batch') requests.push(...request.body.batch)
        return { status: 200, body: {} }
      },
    })
    rt.launch('/home/index')
    tw.track('Early')
    let ready = false
    void tw.ready.then(() => (ready = true))
    await vi.advanceTimersByTimeAsync(49)
    expect(ready).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(ready).toBe(true)
    const flushed = tw.flush()
    await vi.advanceTimersByTimeAsync(100)
    await flushed
    const { anonymousId } = tw.user()
    expect(anonymousId).toMatch(SECURE)
    expect(requests.map((e) => [e.event ?? e.type, e.anonymousId])).toEqual([
      ['screen', anonymousId],
      ['Early', anonymousId],
    ])
  })

  it('keeps a stored person’s id without waiting for the bytes', async () => {
    const storage = fakeStorage()
    const first = boot({ storage })
    first.rt.launch('/home/index')
    await first.tw.ready
    await vi.advanceTimersByTimeAsync(10)
    const { anonymousId } = first.tw.user()
    first.rt.kill()
    const next = boot({ storage, randomLatency: 'never' })
    next.rt.launch('/home/index')
    await next.tw.ready // no timer advanced: it did not wait
    expect(next.tw.user().anonymousId).toBe(anonymousId)
  })

  it('does not wait more than a second for a wx.getRandomValues that never answers', async () => {
    const { rt, tw } = boot({ randomLatency: 'never' })
    rt.launch('/home/index')
    let ready = false
    void tw.ready.then(() => (ready = true))
    await vi.advanceTimersByTimeAsync(999)
    expect(ready).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(ready).toBe(true)
    // The documented fallback.
    expect(tw.user().anonymousId).toMatch(UUID)
    expect(tw.user().anonymousId).not.toMatch(SECURE)
  })

  it('falls back to Math.random without wx.getRandomValues (base library before 2.15.0)', async () => {
    const { rt, tw } = boot({ randomLatency: 'missing' })
    rt.launch('/home/index')
    await tw.ready
    expect(tw.user().anonymousId).toMatch(UUID)
    expect(tw.user().anonymousId).not.toMatch(SECURE)
  })
})
