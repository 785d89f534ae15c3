import type { Json } from '../../rules/index.ts'
import { backgroundTimer } from './background-timer.ts'
import { createEmitter, type Emitter } from './emitter.ts'
import type { ResolvedOptions } from './options.ts'
import type { Platform } from './platform.ts'
import type { Queue, QueuedEvent } from './queue.ts'
import { utf8Bytes } from './utf8-bytes.ts'

/** Most events per request (the collector takes 2,500). */
const MAX_BATCH = 100
/** Most UTF-8 bytes per request body: below the collector's 500 KB (512,000 B). */
const MAX_BODY_BYTES = 480_000
/** `keepalive` requests and beacons are limited to 64 KiB (65,536 B) in flight per page. */
const KEEPALIVE_BYTES = 60_000
const BACKOFF_BASE_MS = 1000
const BACKOFF_MAX_MS = 60_000
/** The longest wait of one `setTimeout`: a longer one fires at once (browsers, Node). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** What the transport needs from the instance. */
export interface TransportOptions extends Pick<
  ResolvedOptions,
  'endpoint' | 'writeKey' | 'flushAt' | 'flushInterval'
> {
  platform: Platform
  queue: Queue
  /** Whether sending is allowed right now (consent). */
  allowed(): boolean
  log(...args: unknown[]): void
}

/** What the transport reports. */
export interface TransportEvents {
  /** The collector acknowledged `batch` and returned the person's tags (as sent: not checked). */
  tags: { tags: unknown; batch: QueuedEvent[] }
}

/** Sends the queue in batches: one request in flight, retries with backoff, beacons on exit. */
export interface Transport extends Pick<Emitter<TransportEvents>, '_on'> {
  /** Call after queueing: sends at `flushAt` events, else within `flushInterval`. */
  _schedule(): void
  /** Sends everything queued; resolves when the queue is empty or a send failed (it is retried later). */
  _flush(): Promise<void>
  /** Hands the queue to `sendBeacon` (page going away), or flushes where there is none; events stay queued until acknowledged. */
  _beacon(): void
  /** Network is back: retry now, unless the collector asked to wait (429, 5xx). */
  _online(): void
  _stop(): void
}

/**
 * Creates the transport. Requests are `text/plain` with the writeKey in the body, which keeps them
 * "simple" (no CORS preflight) and lets `keepalive` requests and beacons share one format.
 */
export function createTransport(options: TransportOptions): Transport {
  const { platform, queue, allowed, log } = options
  const emitter = createEmitter<TransportEvents>(log)
  const url = `${options.endpoint}/v1/batch`
  let inflight: Promise<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let retryAt = 0
  /**
   * Until when the collector's own answer (429, 5xx) has the SDK wait, by its Retry-After or the
   * backoff: the network was there, so going back online does not shorten it.
   */
  let answeredRetryAt = 0
  let attempts = 0
  /** Most events in the next request: halved by each 413, back to the full size once one passes. */
  let limit = MAX_BATCH

  /** Flushes at `at` (epoch ms), or at `retryAt` when that is later. */
  const wake = (at: number) => {
    clearTimeout(timer)
    timer = backgroundTimer(
      () => {
        timer = undefined
        // Timers may fire a little before the wall clock reaches `retryAt`, and a Retry-After
        // may be longer than one timer waits: wait for the rest.
        if (Date.now() < retryAt) wake(retryAt)
        else void flush()
      },
      Math.min(MAX_TIMER_MS, at - Date.now()),
    )
  }

  const body = (batch: unknown[], dropped: number) =>
    JSON.stringify({
      batch,
      sentAt: new Date().toISOString(),
      writeKey: options.writeKey,
      // `undefined` leaves it out of the JSON.
      context: dropped ? { droppedEvents: dropped } : undefined,
    })

  /**
   * The oldest queued events, at most `limit`, whose request body stays within `max` UTF-8 bytes;
   * the first one whatever its size. Alone over a limit it is refused: an event that fills a
   * request on its own can never be accepted (the collector takes 32 KB per event), so it is
   * dropped on the collector's 413 (below); a beacon over 64 KiB is refused by the browser at once
   * and the event waits for a normal flush.
   */
  const take = (max: number, dropped: number) => {
    const batch: QueuedEvent[] = []
    let size = utf8Bytes(body(batch, dropped))
    for (const event of queue._items) {
      size += utf8Bytes(JSON.stringify(event)) + 1
      if (batch.length && (batch.length >= limit || size > max)) break
      batch.push(event)
    }
    return batch
  }

  const post = (text: string, keepalive: boolean) =>
    platform._request(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: text,
      keepalive,
    })

  const retry = (retryAfter: string | null) => {
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempts++)
    // Retry-After (seconds or an HTTP date) is the server's word; else jitter spreads the retries
    // of many clients after an outage.
    let delay = retryAfter
      ? +retryAfter >= 0
        ? +retryAfter * 1000
        : Date.parse(retryAfter) - Date.now()
      : NaN
    if (!(delay >= 0)) delay = backoff / 2 + Math.random() * (backoff / 2)
    retryAt = Date.now() + Math.ceil(delay)
    wake(retryAt)
  }

  const sendOnce = async (): Promise<boolean> => {
    await queue._saved()
    if (!queue._items.length || !allowed()) return false
    // Out of the queue while this request reports it (queue.ts): back unless acknowledged.
    const dropped = await queue._takeDropped()
    let reported = false
    const batch = take(MAX_BODY_BYTES, dropped)
    const text = body(batch, dropped)
    try {
      if (!batch.length || !allowed()) return false
      const response = await post(text, utf8Bytes(text) <= KEEPALIVE_BYTES)
      const status = response.status
      if (status === 429 || status >= 500) {
        retry(response.headers.get('retry-after'))
        answeredRetryAt = retryAt
        return false
      }
      // Over a body limit (a proxy's may be lower than the collector's): half as many, now.
      if (status === 413 && batch.length > 1) {
        limit = Math.ceil(batch.length / 2)
        return true
      }
      let tags: Record<string, Json> | undefined
      /** The batch's events (by index) the collector did not store but asks for again. */
      const again = new Set<number | undefined>()
      if (status === 200) {
        const result = (await response.json().catch(() => undefined)) as
          | {
              success?: boolean
              rejected?: {
                index?: number
                messageId?: string
                error?: string
                retryable?: boolean
              }[]
              tags?: Record<string, Json>
            }
          | undefined
        // Only the collector's answer acknowledges: a 200 that is not it (the login page of hotel
        // or airport Wi-Fi, which answers every request; a proxy's own page) stored nothing.
        if (result?.success !== true) {
          retry(null)
          return false
        }
        for (const r of result.rejected ?? []) {
          log('rejected', r.messageId, r.error)
          // Their profile could not commit (collector/README.md, "Many profiles in one batch").
          if (r.retryable) again.add(r.index)
        }
        reported = true
        if (!again.size) attempts = 0
        limit = MAX_BATCH
        tags = result.tags
      }
      // Any other status (400, 401, 403, 413 for one event...) will not get better by retrying
      // this batch.
      else log('batch dropped', status, batch)
      const done = batch.filter((_, index) => !again.has(index))
      queue._remove(new Set(done.map((e) => e.messageId)))
      if (tags) emitter._emit('tags', { tags, batch })
      // Sent again after a backoff, as after a failure: the rest of the queue may well belong to
      // the same profile.
      if (again.size) retry(null)
      return !again.size
    } catch (error) {
      log('send failed', error)
      // Half as many next time: on a slow network a full batch outlasts the request's timeout
      // every time, while smaller ones get through (the next answer restores the full size).
      limit = Math.ceil(batch.length / 2)
      retry(null)
      return false
    } finally {
      if (!reported) queue._returnDropped(dropped)
    }
  }

  const run = async () => {
    while (queue._items.length && allowed() && platform._online() && Date.now() >= retryAt)
      if (!(await sendOnce())) break
  }

  const flush = () => (inflight ??= run().finally(() => (inflight = undefined)))

  return {
    _on: emitter._on,
    _schedule() {
      if (queue._items.length >= options.flushAt && Date.now() >= retryAt) void flush()
      else if (!timer) wake(Math.max(Date.now() + options.flushInterval, retryAt))
    },
    // A flush in flight may have taken only part of the queue: follow it with one more run (which
    // has nothing to do after a run this call started).
    _flush: () => flush().then(flush),
    _beacon() {
      if (!allowed() || !queue._items.length) return
      // Without a beacon (mini-programs), requests survive the app going to the background for a
      // few seconds: a normal flush gets acknowledgements, so nothing is sent twice.
      if (!platform._beacon) return void flush()
      // Events that do not fit wait for the next page. The dropped count waits for a request that
      // is acknowledged: a beacon's never is, and a count reported twice cannot be deduplicated.
      const text = body(take(KEEPALIVE_BYTES, 0), 0)
      if (!platform._beacon(url, text)) post(text, true).catch(() => undefined)
    },
    _online() {
      // Only a wait for the network ends here (the timer still runs for the collector's).
      if (Date.now() < answeredRetryAt) return
      retryAt = 0
      attempts = 0
      void flush()
    },
    _stop() {
      clearTimeout(timer)
    },
  }
}
