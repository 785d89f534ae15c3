// Test harness for the SDK: a scriptable fake collector (as `fetch`), fresh instances with their
// own storage keys, page lifecycle helpers. Every instance is aborted after its test.
import { afterEach, beforeEach, vi } from 'vitest'
import catalog from '../../examples/rules/catalog.json' with { type: 'json' }
import { createTagwise, type Tagwise, type TagwiseOptions } from '../../sdk/index.ts'
import type { RulesDocument } from '../../rules/index.ts'

export const CATALOG = catalog as unknown as RulesDocument

/** One request the fake collector received. */
export interface Recorded {
  url: string
  path: string
  method: string
  headers: Record<string, string>
  body: any
  /** UTF-8 bytes of the body. */
  bytes: number
  keepalive: boolean | undefined
  signal: AbortSignal | undefined
}

/** The collector's limits (collector/limits.ts): body 500 KB, event 32 KB. */
export const MAX_BODY_BYTES = 500 * 1024
export const MAX_EVENT_BYTES = 32 * 1024
/** Chromium refuses `keepalive` requests whose body is over 64 KiB (in flight per page). */
export const KEEPALIVE_QUOTA = 64 * 1024

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'network-error'

/**
 * A fake collector speaking the HTTP API of spec/collector.md, with scriptable batch replies, and
 * its limits: a body over 500 KB is answered 413, an event over 32 KB is rejected on its own. As
 * `fetch`, it refuses a `keepalive` request over 64 KiB as Chromium does (a TypeError).
 */
export function fakeCollector() {
  const requests: Recorded[] = []
  const batchReplies: Reply[] = []
  /** Events the collector accepted (answered 200, not rejected), in order. */
  const accepted: any[] = []
  const state = {
    tags: {} as Record<string, unknown>,
    rules: CATALOG as unknown,
    etag: '"v1"',
    /** When set, batch requests wait for it (to hold a request in flight). */
    gate: undefined as Promise<void> | undefined,
    /** When set, rules requests wait for it. */
    rulesGate: undefined as Promise<void> | undefined,
    /** When set, `GET /v1/rules?device=1` sends it as the document's device plan (like the collector). */
    plan: undefined as unknown,
    /** The body limit (a proxy's may be lower than the collector's). */
    maxBody: MAX_BODY_BYTES,
  }
  const respond = (reply: Reply) => {
    if (reply === 'network-error') throw new TypeError('Failed to fetch')
    const headers = new Map(Object.entries(reply.headers ?? {}))
    return {
      status: reply.status,
      headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
      json: async () => reply.body,
    }
  }
  const fetch = vi.fn(async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input)
    const text = typeof init.body === 'string' ? init.body : undefined
    const bytes = Buffer.byteLength(text ?? '')
    if (init.keepalive && bytes > KEEPALIVE_QUOTA) throw new TypeError('Failed to fetch')
    const request: Recorded = {
      url,
      path: new URL(url).pathname,
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      body: text === undefined ? undefined : JSON.parse(text),
      bytes,
      keepalive: init.keepalive,
      signal: init.signal ?? undefined,
    }
    requests.push(request)
    if (request.path === '/v1/rules') {
      if (state.rulesGate) await state.rulesGate
      if (request.headers['if-none-match'] === state.etag) return respond({ status: 304 })
      const device = state.plan !== undefined && new URL(url).searchParams.get('device') === '1'
      const body = device ? { ...(state.rules as object), device: state.plan } : state.rules
      return respond({ status: 200, body, headers: { etag: state.etag } })
    }
    if (request.path === '/v1/tags')
      return respond({ status: 200, body: { profile: 'p', tags: state.tags, rulesVersion: 1 } })
    // As `fetch`: an aborted request rejects with an AbortError.
    if (state.gate)
      await new Promise<void>((resolve, reject) => {
        void state.gate!.then(resolve)
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('This operation was aborted', 'AbortError')),
        )
      })
    const reply = batchReplies.shift()
    if (reply) return respond(reply)
    if (bytes > state.maxBody) return respond({ status: 413, body: { error: 'body over 500 KB' } })
    const batch = request.body.batch as { messageId?: string }[]
    const rejected = batch.flatMap((event, index) =>
      Buffer.byteLength(JSON.stringify(event)) > MAX_EVENT_BYTES
        ? [{ index, messageId: event.messageId, error: 'event over the 32 KB limit' }]
        : [],
    )
    accepted.push(...batch.filter((_, index) => !rejected.some((r) => r.index === index)))
    return respond({
      status: 200,
      body: {
        success: true,
        accepted: batch.length - rejected.length,
        duplicates: 0,
        rejected,
        tags: state.tags,
      },
    })
  })
  const batches = () => requests.filter((r) => r.path === '/v1/batch')
  return {
    fetch: fetch as unknown as typeof globalThis.fetch,
    requests,
    state,
    batches,
    /** Every event the collector received, in order (duplicates included). */
    events: () => batches().flatMap((r) => r.body.batch as any[]),
    /** Every event the collector accepted by default (not a scripted reply), in order. */
    accepted: () => [...accepted],
    /** Replies to the next batch requests, in order (then: 200 accepting everything). */
    reply: (...replies: Reply[]) => batchReplies.push(...replies),
  }
}

let counter = 0
const controllers: AbortController[] = []
const realBeacon = navigator.sendBeacon
/**
 * `navigator.sendBeacon`, recording (happy-dom's own would really send); like Chromium's, it
 * refuses a body over 64 KiB.
 */
const sendBeacon = (_url: string, body: string) => Buffer.byteLength(body) <= KEEPALIVE_QUOTA
export let beacon = vi.fn(sendBeacon)
/** Replaces `navigator.sendBeacon` (`undefined` removes it). */
export const setBeacon = (fn: ((url: string, body: string) => boolean) | undefined) =>
  Object.defineProperty(navigator, 'sendBeacon', { configurable: true, writable: true, value: fn })
beforeEach(() => {
  beacon = vi.fn(sendBeacon)
  setBeacon(beacon)
})
afterEach(() => {
  setBeacon(realBeacon)
  for (const controller of controllers.splice(0)) controller.abort()
  vi.useRealTimers()
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

/** A write key no other test uses: storage keys are per write key, so tests do not share state. */
export const freshKey = () => `key-${++counter}-${Math.random().toString(36).slice(2)}`

/** Starts an instance against `collector` (inline catalog rules, no vitals unless asked). */
export function start(
  collector: ReturnType<typeof fakeCollector>,
  options: Partial<TagwiseOptions> = {},
): Tagwise {
  const controller = new AbortController()
  controllers.push(controller)
  return createTagwise({
    writeKey: freshKey(),
    endpoint: 'https://collect.test',
    rules: CATALOG,
    vitals: false,
    fetch: collector.fetch,
    signal: controller.signal,
    ...options,
  })
}

/** Lets IndexedDB (fake-indexeddb, on real setImmediate) and promise chains run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Fakes the clock and `setTimeout` only (IndexedDB keeps its real scheduling). */
export const fakeTime = (now = Date.parse('2025-03-01T10:00:00Z')) => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now })
}

/** Shows or hides the page as the Page Visibility API reports it. */
export function setVisible(visible: boolean): void {
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => (visible ? 'visible' : 'hidden'),
  })
  document.dispatchEvent(new Event('visibilitychange'))
}

/** The page goes away (`pagehide`). */
export const pagehide = () => window.dispatchEvent(new Event('pagehide'))
