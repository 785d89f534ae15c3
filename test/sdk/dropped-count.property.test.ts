// Every event dropped from a full queue is reported once, whatever two tabs of one site do in
// between: drop, send, fail, send at the same time, reload. The queue and transport run as the
// SDK runs them (sdk/core), over one asynchronous store whose updates are atomic, like IndexedDB.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { HttpResponse, Platform, Store } from '../../sdk/core/platform.ts'
import { createQueue, type Queue, type QueuedEvent } from '../../sdk/core/queue.ts'
import { createTransport, type Transport } from '../../sdk/core/transport.ts'

const MAX_QUEUE = 3
const KEY = 'site:queue'

/** A store shared by the tabs: every operation waits a macrotask, as IndexedDB does. */
function sharedStore(): Store {
  const map = new Map<string, unknown>()
  const later = () => new Promise<void>((resolve) => setImmediate(resolve))
  return {
    get: async (key) => (await later(), structuredClone(map.get(key))),
    set: async (key, value) => void (await later(), map.set(key, structuredClone(value))),
    del: async (key) => void (await later(), map.delete(key)),
    update: async (key, fn) =>
      void (await later(), map.set(key, structuredClone(fn(structuredClone(map.get(key)))))),
  }
}

/** What the collector answers next: it stores the batch, or the request fails. */
type Outcome = 'ok' | 'network-error' | 'not-collector'

/** The tabs' collector: counts the dropped events reported in acknowledged requests. */
function collector() {
  const outcomes: Outcome[] = []
  const totals = { reported: 0 }
  const answer = (status: number, body: unknown): HttpResponse => ({
    status,
    headers: { get: () => null },
    json: async () => body,
  })
  const request: Platform['_request'] = async (_url, init) => {
    await new Promise((resolve) => setImmediate(resolve))
    const outcome = outcomes.shift() ?? 'ok'
    if (outcome === 'network-error') throw new TypeError('Failed to fetch')
    // A Wi-Fi login page: a 200 that is not the collector's answer stores nothing.
    if (outcome === 'not-collector') return answer(200, '<html>')
    const body = JSON.parse(init.body ?? '{}') as { context?: { droppedEvents?: number } }
    totals.reported += body.context?.droppedEvents ?? 0
    return answer(200, { success: true, rejected: [], tags: {} })
  }
  return { outcomes, totals, request }
}

/** One tab: its queue (counting what it drops) and its transport. */
interface Tab {
  queue: Queue
  transport: Transport
}

function openTab(store: Store, request: Platform['_request'], drops: { count: number }): Tab {
  const queue = createQueue(store, KEY, MAX_QUEUE, () => true)
  // `_load` pushes through the same object: every drop, at load too, is counted here.
  const push = queue._push
  queue._push = (event) => {
    const before = queue._items.length
    const fresh = !queue._items.some((e) => e.messageId === event.messageId)
    push(event)
    drops.count += before + (fresh ? 1 : 0) - queue._items.length
  }
  const platform: Platform = {
    _store: store,
    _request: request,
    _online: () => true,
    _visible: () => true,
    _context: () => ({}),
    _base64: (text) => btoa(text),
  }
  const transport = createTransport({
    endpoint: 'https://collect.test',
    writeKey: 'site',
    flushAt: 1000,
    flushInterval: 60_000,
    platform,
    queue,
    allowed: () => true,
    log: () => undefined,
  })
  return { queue, transport }
}

/** Lets every pending store operation and request end. */
const settle = async () => {
  for (let i = 0; i < 30; i++) await new Promise((resolve) => setImmediate(resolve))
}

type Step =
  | { kind: 'track'; tab: number; count: number }
  | { kind: 'send'; tab: number; outcome: Outcome }
  | { kind: 'send-both'; outcomes: [Outcome, Outcome] }
  | { kind: 'reload'; tab: number }

const outcome = fc.constantFrom<Outcome>('ok', 'network-error', 'not-collector')
const tab = fc.integer({ min: 0, max: 1 })
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('track' as const), tab, count: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('send' as const), tab, outcome }),
  fc.record({ kind: fc.constant('send-both' as const), outcomes: fc.tuple(outcome, outcome) }),
  fc.record({ kind: fc.constant('reload' as const), tab }),
)

describe('the dropped count across two tabs', () => {
  it('reports every dropped event once: never more, and all of them in the end', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const store = sharedStore()
        const server = collector()
        const drops = { count: 0 }
        const open = () => openTab(store, server.request, drops)
        const tabs = [open(), open()]
        await Promise.all(tabs.map((t) => t.queue._load()))
        let made = 0
        const event = (): QueuedEvent => ({
          type: 'track',
          event: 'e',
          messageId: `m${++made}`,
          timestamp: new Date(0).toISOString(),
          context: {},
        })
        // `_online` ends the backoff a failure set and flushes; `_flush` waits for it.
        const send = (t: Tab) => (t.transport._online(), t.transport._flush())
        try {
          for (const s of steps) {
            if (s.kind === 'track')
              for (let i = 0; i < s.count; i++) tabs[s.tab]!.queue._push(event())
            else if (s.kind === 'send') {
              server.outcomes.push(s.outcome)
              await send(tabs[s.tab]!)
            } else if (s.kind === 'send-both') {
              server.outcomes.push(...s.outcomes)
              await Promise.all(tabs.map(send))
            } else {
              // The page goes away once its writes ended (a page cut off mid-write is the
              // backup's business), and loads again.
              await settle()
              tabs[s.tab]!.transport._stop()
              tabs[s.tab] = open()
              await tabs[s.tab]!.queue._load()
            }
            await settle()
            // An outcome no request took (nothing to send) is not left for a later step.
            server.outcomes.length = 0
            expect(server.totals.reported).toBeLessThanOrEqual(drops.count)
          }
          // Both tabs send what they hold; then a new page sends what was left stored.
          for (const t of tabs) await send(t)
          await settle()
          const last = open()
          tabs.push(last)
          await last.queue._load()
          last.queue._push(event())
          await send(last)
          await settle()
          expect(server.totals.reported).toBe(drops.count)
        } finally {
          for (const t of tabs) t.transport._stop()
        }
      }),
      { numRuns: 150 },
    )
  })
})
