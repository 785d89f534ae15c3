import type { IngestResponse } from '../../collector/ingest/ingest-response.ts'

/** What a client saw while it sent its batches until every event was stored. */
export interface ClientLedger {
  requests: number
  /** Answers with a 5xx status. */
  fiveXx: number
  /** Requests that threw (the Worker or a Durable Object went away before answering). */
  networkErrors: number
  /** Answers 429: a rate limit, retried like a 5xx. */
  tooMany: number
  /** Σ `accepted`: each event counted by its profile. More than the events sent is a double count. */
  accepted: number
  duplicates: number
  /** Events a `200` listed as `retryable` (their profile could not commit). */
  retryableRejects: number
  /** Events refused for good: none of the suite's events should be. */
  refused: string[]
}

export const emptyLedger = (): ClientLedger => ({
  requests: 0,
  fiveXx: 0,
  networkErrors: 0,
  tooMany: 0,
  accepted: 0,
  duplicates: 0,
  retryableRejects: 0,
  refused: [],
})

type Event = Record<string, unknown>

/** How `sendUntilStored` gives up and waits. */
export interface SendOptions {
  /** Requests before it throws. @default 40 */
  maxAttempts?: number
  /**
   * Waits before a request is sent again, given the answer that asks for it (none when the request
   * threw). By default no wait: the suite's faults come from the test, not from time; a bench
   * against a real server waits as a client does (`Retry-After`).
   */
  pause?: (answer: Response | undefined) => Promise<void>
}

/**
 * Sends `batch` as the SDK does until every event is stored: a request that throws or answers
 * 5xx or 429 is sent again whole, and a `200`'s retryable rejects again on their own, always with
 * the same messageIds (so the collector counts each event once).
 */
export async function sendUntilStored(
  send: (batch: Event[]) => Promise<Response>,
  batch: Event[],
  ledger: ClientLedger,
  { maxAttempts = 40, pause }: SendOptions = {},
): Promise<void> {
  let pending = batch
  for (let attempt = 1; pending.length; attempt++) {
    if (attempt > maxAttempts)
      throw new Error(`${pending.length} events not stored after ${maxAttempts} attempts`)
    ledger.requests++
    let response: Response
    try {
      response = await send(pending)
    } catch {
      ledger.networkErrors++
      await pause?.(undefined)
      continue
    }
    if (response.status >= 500 || response.status === 429) {
      if (response.status === 429) ledger.tooMany++
      else ledger.fiveXx++
      await response.body?.cancel()
      await pause?.(response)
      continue
    }
    if (response.status !== 200) throw new Error(`${response.status}: ${await response.text()}`)
    const body = (await response.json()) as IngestResponse
    ledger.accepted += body.accepted
    ledger.duplicates += body.duplicates
    const again = new Set<number>()
    for (const rejected of body.rejected) {
      if (rejected.retryable) {
        ledger.retryableRejects++
        again.add(rejected.index)
      } else ledger.refused.push(rejected.error)
    }
    pending = pending.filter((_, index) => again.has(index))
    if (pending.length) await pause?.(response)
  }
}
