import {
  anonymousProfile,
  parseEvent,
  parseTimestamp,
  userProfile,
  type EventType,
} from '../../rules/index.ts'
import { MAX_EVENT_BYTES, MAX_FUTURE_MS, MAX_ID_LENGTH } from '../limits.ts'
import { missingMessageId } from './message-id.ts'
import { describe, isRecord } from '../values.ts'

/** What a request says about all of its events. */
export interface RequestFacts {
  /** Receive time, epoch ms. */
  receivedAt: number
  /** The single-event routes take the type from the path. */
  type?: EventType
  /** Request-level `sentAt`, epoch ms (a batch's; an event's own `sentAt` wins). */
  sentAt?: number
  /** Request-level `context`, merged under each event's own. */
  context?: Record<string, unknown>
  /**
   * At most how many UTF-8 bytes the JSON of any of the request's events has (`parseJsonBody`'s
   * bound from the body it was parsed from): within `MAX_EVENT_BYTES`, no event is serialized to be
   * measured. Absent: each event is.
   */
  eventBytesAtMost?: number
}

/** A good event, ready for its profile. */
export interface PreparedEvent {
  /**
   * The userId's profile, else the anonymousId's (profile names: `anonymous:<id>` for an
   * anonymous visitor, rules/state/profile-key.ts); identity forwards are not applied yet.
   */
  profile: string
  messageId: string
  /** Corrected timestamp, epoch ms (at most 7 days after `receivedAt`). */
  ts: number
  /** The event as stored and evaluated (corrected `timestamp`, merged `context`, `messageId`). */
  event: Record<string, unknown>
}

export type Prepared =
  { ok: true; event: PreparedEvent } | { ok: false; error: string; messageId: string | null }

const STRING_FIELDS = ['userId', 'anonymousId', 'previousId', 'event', 'messageId'] as const
const encoder = new TextEncoder()

/** The event without what changes between two sends of it (`messageId`, `sentAt`). */
const withoutSendFields = ({
  messageId: _id,
  sentAt: _sentAt,
  ...content
}: Record<string, unknown>): Record<string, unknown> => content

/** How far ahead an event is dated, for an error message: `8.5 days`. */
const describeLead = (ms: number) => `${Math.round(ms / 8_640_000) / 10} days`

/**
 * Turns one received event into the event a profile stores (spec: collector.md, "Ingest"):
 * `timestamp` defaults to the receive time; with `sentAt`, device clock skew is corrected
 * (`timestamp + (receivedAt − sentAt)`, the device's value kept in `originalTimestamp`). A
 * timestamp still in the future stays: the profile counts the event from that time on, never
 * earlier, like the CLI; more than 7 days ahead, it is rejected. The request's `context` is merged
 * under the event's; a missing `messageId` is derived by `missingMessageId`. Then the engine's own rules for a good event apply (`parseEvent`).
 */
export async function prepareEvent(raw: unknown, facts: RequestFacts): Promise<Prepared> {
  if (!isRecord(raw))
    return { ok: false, error: `expected an event object (got ${describe(raw)})`, messageId: null }
  const given = typeof raw.messageId === 'string' && raw.messageId !== '' ? raw.messageId : null
  const reject = (error: string): Prepared => ({ ok: false, error, messageId: given })
  for (const field of STRING_FIELDS) {
    const value = raw[field]
    if (value === undefined || value === null) continue
    if (typeof value !== 'string')
      return reject(`"${field}" must be a string (got ${describe(value)})`)
    if (value.length > MAX_ID_LENGTH)
      return reject(`"${field}" is longer than ${MAX_ID_LENGTH} characters`)
  }
  if (raw.context !== undefined && raw.context !== null && !isRecord(raw.context))
    return reject(`"context" must be an object (got ${describe(raw.context)})`)

  const { writeKey: _writeKey, ...event } = raw
  if (facts.type) event.type = facts.type
  if (facts.context) event.context = { ...facts.context, ...(raw.context ?? {}) }
  // Measured as stored, the request's context merged in: a 32 KB context copied into small events
  // would otherwise store events of any size. Serializing each event to measure it cost more
  // than parsing the whole body: the body's bound spares it when no event can be over the limit
  // (a browser's batch; an event and the request's context are disjoint parts of that body).
  if (!(facts.eventBytesAtMost !== undefined && facts.eventBytesAtMost <= MAX_EVENT_BYTES)) {
    const text = JSON.stringify(event)
    // UTF-8 takes at most 3 bytes per UTF-16 unit: encode only when that could pass the limit.
    const bytes = text.length * 3 <= MAX_EVENT_BYTES ? 0 : encoder.encode(text).length
    if (bytes > MAX_EVENT_BYTES)
      return reject(
        `event is ${bytes} bytes, over the ${MAX_EVENT_BYTES / 1024} KB limit${facts.context ? " (the request's context merged in)" : ''}: send fewer properties`,
      )
  }
  // Hashed as every route sees it, before the timestamp is corrected (sentAt differs per send);
  // copied only when there is no messageId to keep (SDKs send one with every event).
  const content = given === null ? withoutSendFields(event) : undefined

  let ts = facts.receivedAt
  if (raw.timestamp !== undefined && raw.timestamp !== null) {
    const device = parseTimestamp(raw.timestamp)
    if (device === undefined)
      return reject(
        `"timestamp" must be an ISO-8601 date-time with a time zone in the years 0000–9999, like 2026-01-31T12:00:00Z (got ${describe(raw.timestamp)})`,
      )
    let sentAt = facts.sentAt
    if (raw.sentAt !== undefined && raw.sentAt !== null) {
      sentAt = parseTimestamp(raw.sentAt)
      if (sentAt === undefined)
        return reject(
          `"sentAt" must be an ISO-8601 date-time with a time zone (got ${describe(raw.sentAt)})`,
        )
    }
    ts = device + (sentAt === undefined ? 0 : facts.receivedAt - sentAt)
    if (ts > facts.receivedAt + MAX_FUTURE_MS)
      return reject(
        `"timestamp" is ${describeLead(ts - facts.receivedAt)} after the time the event was received (at most ${MAX_FUTURE_MS / 86_400_000} days, sentAt corrected): send it nearer its time`,
      )
    if (ts !== device) event.originalTimestamp = raw.timestamp
  }
  event.timestamp = new Date(ts).toISOString()
  event.receivedAt = new Date(facts.receivedAt).toISOString()

  if (content) event.messageId = await missingMessageId(content)
  const parsed = parseEvent(event)
  if (!parsed.ok) return reject(parsed.error)
  const userId = event.userId as string | undefined
  const profile = userId ? userProfile(userId) : anonymousProfile(event.anonymousId as string)
  return { ok: true, event: { profile, messageId: event.messageId as string, ts, event } }
}
