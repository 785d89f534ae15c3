import {
  QUEUE_MESSAGE_BYTES,
  QUEUE_SEND_BYTES,
  QUEUE_SEND_MESSAGES,
  queueBytes,
} from './queue-limits.ts'

/**
 * Splits messages, in order, into the fewest consecutive `sendBatch` calls within the Queue
 * limits (`queue-limits.ts`): at most `QUEUE_SEND_MESSAGES` messages and `QUEUE_SEND_BYTES` per
 * call. `bytes[i]` is what message `i` counts (`queueBytes`); a message over `QUEUE_MESSAGE_BYTES`
 * can never be sent, so it is a caller's bug (see `fitForQueue`) and throws.
 */
export function queueSends(bytes: readonly number[]): { start: number; end: number }[] {
  const sends: { start: number; end: number }[] = []
  let start = 0
  let total = 0
  bytes.forEach((size, i) => {
    if (size > QUEUE_MESSAGE_BYTES)
      throw new RangeError(
        `message ${i} counts ${size} bytes; a queue message is at most ${QUEUE_MESSAGE_BYTES}`,
      )
    if (i - start === QUEUE_SEND_MESSAGES || total + size > QUEUE_SEND_BYTES) {
      sends.push({ start, end: i })
      start = i
      total = 0
    }
    total += size
  })
  if (start < bytes.length) sends.push({ start, end: bytes.length })
  return sends
}

/**
 * Sends `bodies` to `queue` in order, as JSON, in as many `sendBatch` calls as the limits need,
 * each delivered after `delaySeconds` if given. Rejects at the first call the queue refuses (the
 * earlier calls were sent: callers resend idempotent messages).
 */
export async function sendAll<T>(
  queue: Queue<T>,
  bodies: readonly T[],
  delaySeconds?: number,
): Promise<void> {
  const delay = delaySeconds === undefined ? {} : { delaySeconds }
  for (const { start, end } of queueSends(bodies.map(queueBytes)))
    await queue.sendBatch(
      bodies.slice(start, end).map((body) => ({ body, contentType: 'json' as const, ...delay })),
    )
}
