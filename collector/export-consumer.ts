import type { Env } from './env.ts'
import type { ExportMessage } from './export-message.ts'
import { applyToIndex } from './tag-index.ts'

/** Longest wait between two deliveries of a message the consumer could not handle, in seconds. */
const MAX_RETRY_DELAY_S = 300

/** Exponential backoff: 2 s after the first attempt, doubling, at most 5 minutes. */
export const retryDelaySeconds = (attempts: number): number =>
  Math.min(2 ** Math.max(1, attempts), MAX_RETRY_DELAY_S)

/**
 * The export queue's consumer (same Worker): applies a batch of tag changes to the D1 tag index
 * and change log in one D1 batch, then acknowledges it. If D1 fails, every message is retried with
 * exponential backoff (2, 4, 8 … s, at most 5 min); after `max_retries` (wrangler.toml) the queue
 * moves them to the dead-letter queue. Applying is idempotent, so a redelivery after a crash
 * between the D1 write and the acknowledgement changes nothing.
 */
export async function consumeExport(
  batch: MessageBatch<ExportMessage>,
  env: Env,
  _ctx?: ExecutionContext,
): Promise<void> {
  const changes = batch.messages.flatMap((m) =>
    m.body.type === 'tag.changed' ? [m.body.change] : [],
  )
  try {
    await applyToIndex(env.DB, changes)
    batch.ackAll()
  } catch (error) {
    console.warn('tagwise: updating the tag index failed; the batch is retried:', error)
    for (const message of batch.messages)
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
  }
}
