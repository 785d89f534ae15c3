import { deliverExport } from './deliver-export.ts'
import { readDestinations } from './destinations.ts'
import type { Env } from '../env.ts'
import type { ExportMessage } from './message.ts'
import { applyToIndex, removeFromIndex } from './tag-index.ts'

/** Longest wait between two deliveries of a message the consumer could not handle, in seconds. */
const MAX_RETRY_DELAY_S = 300

/** Exponential backoff: 2 s after the first attempt, doubling, at most 5 minutes. */
export const retryDelaySeconds = (attempts: number): number =>
  Math.min(2 ** Math.max(1, attempts), MAX_RETRY_DELAY_S)

/**
 * The export queue's consumer (same Worker). First the D1 tag index and change log (one D1 batch;
 * erasures remove the profile's rows), then the destinations of `DESTINATIONS` (webhooks,
 * Segment-compatible APIs; see deliver-export.ts). Messages that failed anywhere are retried with
 * exponential backoff (2, 4, 8 … s, at most 5 min); after `max_retries` (wrangler.toml) the queue
 * moves them to the dead-letter queue. Every step is idempotent — the index by change id and time,
 * destinations by the delivery log and their idempotency keys — so a redelivery after a crash
 * changes nothing twice.
 */
export async function consumeExport(
  batch: MessageBatch<ExportMessage>,
  env: Env,
  _ctx?: ExecutionContext,
): Promise<void> {
  const messages = batch.messages.map((m) => m.body)
  let retry: Set<number>
  try {
    await applyToIndex(
      env.DB,
      messages.flatMap((m) => (m.type === 'tag.changed' ? [m.change] : [])),
    )
    await removeFromIndex(
      env.DB,
      messages.flatMap((m) => (m.type === 'profile.deleted' ? [m.deletion.profile] : [])),
    )
    const destinations = readDestinations(
      env.DESTINATIONS,
      env as unknown as Record<string, unknown>,
    )
    retry = await deliverExport(env.DB, destinations, messages, Date.now())
  } catch (error) {
    console.warn('tagwise: exporting tag changes failed; the batch is retried:', error)
    retry = new Set(messages.keys())
  }
  batch.messages.forEach((message, i) => {
    if (retry.has(i)) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
    else message.ack()
  })
}
