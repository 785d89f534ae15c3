// Cloudflare Queues' production limits, checked on every send: the local queue (miniflare) takes
// batches up to 288,000 bytes, production up to 256,000. The numbers are written out here, not
// imported from the collector, so a wrong constant there cannot make these checks pass.
// https://developers.cloudflare.com/queues/platform/limits/
import { env } from 'cloudflare:workers'
import type { ExportMessage } from '../../collector/index.ts'

/** A message counts its body's bytes and up to ~100 bytes of metadata; 1 KB = 1,000 bytes. */
const METADATA = 100
const MESSAGE_BYTES = 128_000
const SEND_MESSAGES = 100
const SEND_BYTES = 256_000

const bytesOf = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).byteLength

/** What one `sendBatch` carried. */
export interface Send {
  bodies: ExportMessage[]
  bytes: number
}

/**
 * Replaces `env.TAG_CHANGES` (the Worker's, and that of every Durable Object created afterwards)
 * with a queue that refuses what production refuses, as production does (the call throws, nothing
 * is sent), records what it sent, and can be told to refuse everything (`down`). `restore()` puts
 * the real queue back.
 */
export function spyOnQueue() {
  const real = env.TAG_CHANGES
  const sends: Send[] = []
  const refused: string[] = []
  const state = { down: false }
  const queue: Queue<ExportMessage> = {
    send: (body, options) => queue.sendBatch([{ body, ...options }]),
    async sendBatch(messages, options) {
      const sizes = [...messages].map((m) => bytesOf(m.body) + METADATA)
      const bytes = sizes.reduce((a, b) => a + b, 0)
      const problem = state.down
        ? 'the queue is down'
        : sizes.length > SEND_MESSAGES
          ? `${sizes.length} messages in one sendBatch`
          : sizes.some((size) => size > MESSAGE_BYTES)
            ? `a message of ${Math.max(...sizes)} bytes`
            : bytes > SEND_BYTES
              ? `a sendBatch of ${bytes} bytes`
              : undefined
      if (problem) {
        refused.push(problem)
        throw new Error(`queue limit: ${problem}`)
      }
      sends.push({ bodies: [...messages].map((m) => m.body), bytes })
      return real.sendBatch(messages, options)
    },
    metrics: () => real.metrics(),
  }
  env.TAG_CHANGES = queue
  return {
    sends,
    refused,
    state,
    /** Every `profile.deleted` notice sent, in order. */
    notices: () =>
      sends.flatMap((s) => s.bodies.flatMap((b) => (b.type === 'profile.deleted' ? [b] : []))),
    restore: () => {
      env.TAG_CHANGES = real
    },
  }
}
