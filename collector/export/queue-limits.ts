/**
 * Cloudflare Queues' production limits (https://developers.cloudflare.com/queues/platform/limits/):
 * a message is at most 128 KB, one `sendBatch` carries at most 100 messages and 256 KB in total;
 * 1 KB is 1,000 bytes and each message counts up to ~100 bytes of internal metadata. Over a limit
 * the whole call throws and nothing is sent. The local runtime checks looser numbers (miniflare:
 * 288,000 bytes per batch), so the collector sizes its sends itself (`queue-sends.ts`) and its
 * tests check every send against these numbers.
 */

/** Largest message, metadata included. */
export const QUEUE_MESSAGE_BYTES = 128_000
/** Most messages in one `sendBatch`. */
export const QUEUE_SEND_MESSAGES = 100
/** Largest `sendBatch` in total, metadata included. */
export const QUEUE_SEND_BYTES = 256_000
/**
 * What a message is counted for beyond its body: the documented ~100 bytes of metadata, counted
 * generously so that an estimate a little off never tips a send over.
 */
export const QUEUE_MESSAGE_OVERHEAD_BYTES = 256

const encoder = new TextEncoder()

/**
 * What a message with this body counts against the limits: its body is sent as JSON
 * (`contentType: 'json'`), so its size is exactly the UTF-8 bytes of its JSON text.
 */
export const queueBytes = (body: unknown): number =>
  encoder.encode(JSON.stringify(body)).byteLength + QUEUE_MESSAGE_OVERHEAD_BYTES
