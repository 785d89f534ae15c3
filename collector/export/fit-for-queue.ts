import type { Json } from '../../rules/index.ts'
import type { ExportMessage } from './message.ts'
import { QUEUE_MESSAGE_BYTES, queueBytes } from './queue-limits.ts'

/**
 * The most a tag value takes in an export message that would not fit a queue message, in bytes of
 * its JSON: two of them (`from`, `to`) and the rest of a change stay well under 128 KB.
 */
export const EXPORTED_VALUE_BYTES = 32_000

const encoder = new TextEncoder()
const jsonBytes = (value: unknown) => encoder.encode(JSON.stringify(value)).byteLength

/** The longest prefix of `text` (whole code points) whose JSON takes at most `max` bytes. */
function cutString(text: string, max: number): string {
  let bytes = 2 // the quotes
  let end = 0
  for (const char of text) {
    bytes += jsonBytes(char) - 2
    if (bytes > max) break
    end += char.length
  }
  return text.slice(0, end)
}

/**
 * `value` within `max` bytes of JSON: a string is cut to its longest prefix that fits, a list to
 * its leading items that fit, anything else becomes its JSON text, cut the same way.
 */
function cutValue(value: Json, max: number): Json {
  if (jsonBytes(value) <= max) return value
  if (typeof value === 'string') return cutString(value, max)
  if (Array.isArray(value)) {
    const kept: Json[] = []
    let bytes = 2
    for (const item of value) {
      bytes += jsonBytes(item) + (kept.length ? 1 : 0)
      if (bytes > max) break
      kept.push(item)
    }
    return kept
  }
  return cutString(JSON.stringify(value), max)
}

/**
 * `message` as it can go to the queue. A tag change too large for one queue message (a huge tag
 * value) must never block its profile's outbox: its values are cut to `EXPORTED_VALUE_BYTES` each
 * and it is marked `truncated: true` (the profile itself keeps the whole value), with a warning.
 * `null` when even that cannot fit (never for a change of ids within the limits): the caller
 * skips the message, logged.
 */
export function fitForQueue(message: ExportMessage): ExportMessage | null {
  if (queueBytes(message) <= QUEUE_MESSAGE_BYTES) return message
  if (message.type === 'tag.changed') {
    const { change } = message
    const fitted: ExportMessage = {
      type: 'tag.changed',
      change: {
        ...change,
        from: change.from === null ? null : cutValue(change.from, EXPORTED_VALUE_BYTES),
        to: change.to === null ? null : cutValue(change.to, EXPORTED_VALUE_BYTES),
        truncated: true,
      },
    }
    const bytes = queueBytes(fitted)
    if (bytes <= QUEUE_MESSAGE_BYTES) {
      console.warn(
        `tagwise: tag change ${change.id} (${change.profile}, ${change.tag}) takes ${queueBytes(message)} bytes, over a queue message's ${QUEUE_MESSAGE_BYTES}: exported with its values cut to ${EXPORTED_VALUE_BYTES} bytes each (truncated: true)`,
      )
      return fitted
    }
  }
  console.warn(
    `tagwise: export message ${JSON.stringify(message).slice(0, 200)}… cannot fit a queue message of ${QUEUE_MESSAGE_BYTES} bytes: skipped`,
  )
  return null
}
