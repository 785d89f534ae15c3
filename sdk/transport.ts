import type { Json } from '../rules/index.ts'
import type { Platform } from './platform.ts'
import type { Queue, QueuedEvent } from './queue.ts'

/** Most events per request (the collector takes 2,500 and 500 KB). */
const MAX_BATCH = 100
/** `keepalive` requests and beacons are limited to 64 KiB in flight per page. */
const KEEPALIVE_BYTES = 60_000
const BACKOFF_BASE_MS = 1000
const BACKOFF_MAX_MS = 60_000

/** What the transport needs from the instance. */
export interface TransportOptions {
  platform: Platform
  queue: Queue
  endpoint: string
  writeKey: string
  flushAt: number
  flushInterval: number
  /** Whether sending is allowed right now (consent). */
  allowed(): boolean
  /** Tags the collector returned with an acknowledgement. */
  onTags(tags: Record<string, Json>, batch: QueuedEvent[]): void
  log(...args: unknown[]): void
}

/** Sends the queue in batches: one request in flight, retries with backoff, beacons on exit. */
export interface Transport {
  /** Call after queueing: sends at `flushAt` events, else within `flushInterval`. */
  schedule(): void
  /** Sends everything queued; resolves when the queue is empty or a send failed (it is retried later). */
  flush(): Promise<void>
  /** Hands the queue to `sendBeacon` (page going away), or flushes where there is none; events stay queued until acknowledged. */
  beacon(): void
  /** Network is back: retry now. */
  online(): void
  stop(): void
}

/**
 * Creates the transport. Requests are `text/plain` with the writeKey in the body, which keeps them
 * "simple" (no CORS preflight) and lets `keepalive` requests and beacons share one format.
 */
export function createTransport(o: TransportOptions): Transport {
  const url = `${o.endpoint}/v1/batch`
  let inflight: Promise<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let retryAt = 0
  let attempts = 0

  const wake = (delay: number) => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      // Timers may fire a little before the wall clock reaches `retryAt`: wait for the rest.
      const rest = Math.ceil(retryAt - Date.now())
      if (rest > 0) wake(rest)
      else void flush()
    }, delay)
  }

  const body = (batch: unknown[], dropped: number) =>
    JSON.stringify({
      batch,
      sentAt: new Date().toISOString(),
      writeKey: o.writeKey,
      ...(dropped ? { context: { droppedEvents: dropped } } : {}),
    })

  const retry = (retryAfter: string | null) => {
    attempts++
    const seconds = Number(retryAfter)
    const date = retryAfter ? Date.parse(retryAfter) - Date.now() : NaN
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1))
    // Jitter spreads the retries of many clients after an outage; Retry-After is the server's word.
    const delay =
      retryAfter && seconds >= 0
        ? seconds * 1000
        : date >= 0
          ? date
          : backoff / 2 + Math.random() * (backoff / 2)
    retryAt = Date.now() + Math.ceil(delay)
    wake(delay)
  }

  const sendOnce = async (): Promise<boolean> => {
    await o.queue.saved()
    const batch = o.queue.items.slice(0, MAX_BATCH)
    if (!batch.length || !o.allowed()) return false
    const dropped = o.queue.dropped
    const text = body(batch, dropped)
    const ids = new Set(batch.map((e) => e.messageId))
    let status = 0
    try {
      const response = await o.platform.request(url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: text,
        keepalive: text.length < KEEPALIVE_BYTES,
      })
      status = response.status
      if (status === 200) {
        const result = (await response.json().catch(() => ({}))) as {
          rejected?: { messageId?: string; error?: string }[]
          tags?: Record<string, Json>
        }
        for (const r of result.rejected ?? []) o.log('rejected', r.messageId, r.error)
        o.queue.remove(ids)
        o.queue.dropped = Math.max(0, o.queue.dropped - dropped)
        attempts = 0
        if (result.tags && typeof result.tags === 'object') o.onTags(result.tags, batch)
        return true
      }
      if (status === 429 || status >= 500) {
        retry(response.headers.get('retry-after'))
        return false
      }
    } catch (error) {
      o.log('send failed', error)
      retry(null)
      return false
    }
    // Any other status (400, 401, 403, 413...) will not get better by retrying this batch.
    o.log('batch dropped', status)
    o.queue.remove(ids)
    return true
  }

  const run = async () => {
    while (o.queue.items.length && o.allowed() && o.platform.online() && Date.now() >= retryAt)
      if (!(await sendOnce())) break
  }

  const flush = (): Promise<void> => {
    if (!inflight) inflight = run().finally(() => (inflight = undefined))
    return inflight
  }

  return {
    schedule() {
      if (o.queue.items.length >= o.flushAt && Date.now() >= retryAt) void flush()
      else if (!timer) wake(Math.max(o.flushInterval, retryAt - Date.now()))
    },
    flush: async () => {
      // A flush in flight may have taken only part of the queue: follow it with one more run.
      if (inflight) await inflight
      await flush()
    },
    beacon() {
      if (!o.allowed() || !o.queue.items.length) return
      // Without a beacon (mini-programs), requests survive the app going to the background for a
      // few seconds: a normal flush gets acknowledgements, so nothing is sent twice.
      if (!o.platform.beacon) return void flush()
      const batch: unknown[] = []
      let size = 0
      for (const event of o.queue.items) {
        size += JSON.stringify(event).length + 1
        if (size > KEEPALIVE_BYTES - 500) break
        batch.push(event)
      }
      const text = body(batch, o.queue.dropped)
      const sent = o.platform.beacon?.(url, text)
      if (!sent)
        o.platform
          .request(url, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: text,
            keepalive: true,
          })
          .catch(() => undefined)
    },
    online() {
      retryAt = 0
      attempts = 0
      void flush()
    },
    stop() {
      clearTimeout(timer)
    },
  }
}
