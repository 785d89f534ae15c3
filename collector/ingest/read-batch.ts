import type { Context } from 'hono'
import { parseTimestamp, type EventType } from '../../rules/index.ts'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { limitClient, limitClientEvents, type Rates } from '../auth/rate-limits.ts'
import type { Source } from '../auth/sources.ts'
import {
  MAX_BATCH_EVENTS,
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  MAX_STORED_BATCH_BYTES,
} from '../limits.ts'
import { parseJsonBody } from '../parse-json.ts'
import { prepareEvent, type PreparedEvent, type RequestFacts } from './prepare-event.ts'
import { readBodyBytes } from '../read-body.ts'
import { authorizeSource, basicWriteKey } from '../auth/source-auth.ts'
import { describe, isRecord } from '../values.ts'
import { identityError } from './verify-identity.ts'
import type { RejectedEvent } from './ingest-response.ts'

/** An ingest request read, authorized and validated, before anything is stored. */
export interface ReceivedBatch {
  /** Receive time, epoch ms. */
  receivedAt: number
  /** The good events, with their index in the request. */
  good: { index: number; event: PreparedEvent }[]
  rejected: RejectedEvent[]
  /** The source the writeKey names. */
  source: Source
  /** The source's rates (the client rate was counted already). */
  rates: Rates
}

/**
 * Everything `POST /v1/batch` and `POST /v1/<type>` do before storage: the body read within its
 * size limit and parsed (depth-checked), the writeKey authorized (Basic auth or `writeKey` in a
 * beacon body), the client rate counted, and each event prepared and validated, its userId proven
 * when the source is a browser's (`identityError`). Throws the request's
 * `4xx`; a bad event is only `rejected`.
 */
export async function readBatch(c: Context<AppEnv>, type?: EventType): Promise<ReceivedBatch> {
  const receivedAt = Date.now()
  const { text, bytes } = await readBodyBytes(c.req.raw, MAX_BODY_BYTES)
  const { value: body, reserializedBytesAtMost } = parseJsonBody(text, bytes, MAX_JSON_DEPTH)
  if (!isRecord(body))
    throw fail(
      400,
      `body must be a JSON object${type ? ' (an event)' : ' like {"batch": [...]}'} (got ${describe(body)})`,
    )
  if (body.writeKey !== undefined && typeof body.writeKey !== 'string')
    throw fail(400, `"writeKey" must be a string (got ${describe(body.writeKey)})`)
  const source = authorizeSource(c, basicWriteKey(c.req.header('authorization')) ?? body.writeKey)
  const rates = await limitClient(c, source)

  const facts: RequestFacts = { receivedAt, eventBytesAtMost: reserializedBytesAtMost }
  let events: unknown[]
  if (type) {
    facts.type = type
    events = [body]
  } else {
    if (!Array.isArray(body.batch))
      throw fail(400, `"batch" must be an array of events (got ${describe(body.batch)})`)
    if (body.batch.length === 0) throw fail(400, 'no events: "batch" is empty')
    if (body.batch.length > MAX_BATCH_EVENTS)
      throw fail(
        413,
        `"batch" has ${body.batch.length} events, at most ${MAX_BATCH_EVENTS} are allowed: split it`,
      )
    events = body.batch
    if (body.sentAt !== undefined && body.sentAt !== null) {
      facts.sentAt = parseTimestamp(body.sentAt)
      if (facts.sentAt === undefined)
        throw fail(
          400,
          `"sentAt" must be an ISO-8601 date-time with a time zone (got ${describe(body.sentAt)})`,
        )
    }
    if (body.context !== undefined && body.context !== null) {
      if (!isRecord(body.context))
        throw fail(400, `"context" must be an object (got ${describe(body.context)})`)
      facts.context = body.context
      storedBytesWithin(reserializedBytesAtMost, body.context, events.length)
    }
  }

  limitClientEvents(c, source, events.length, rates)

  const good: ReceivedBatch['good'] = []
  const rejected: RejectedEvent[] = []
  const prepared = await Promise.all(
    events.map(async (raw) => {
      const result = await prepareEvent(raw, facts)
      if (!result.ok) return result
      const error = await identityError(source, result.event)
      if (!error) return result
      const given =
        isRecord(raw) && typeof raw.messageId === 'string' && raw.messageId !== ''
          ? raw.messageId
          : null
      return { ok: false as const, error, messageId: given }
    }),
  )
  prepared.forEach((result, index) => {
    if (result.ok) return void good.push({ index, event: result.event })
    rejected.push({ index, messageId: result.messageId, error: result.error })
  })
  return { receivedAt, good, rejected, source, rates }
}

const encoder = new TextEncoder()

/**
 * `413` unless a batch of `events` events, from a body that reserializes to at most `bodyBytes`,
 * stays within `MAX_STORED_BATCH_BYTES` with its `context` merged into each event: every profile
 * receives and stores the context once per event, so a small body may weigh a thousand times more
 * there. Checked before the events are counted or prepared.
 */
function storedBytesWithin(bodyBytes: number, context: Record<string, unknown>, events: number) {
  const contextBytes = encoder.encode(JSON.stringify(context)).length
  const stored = bodyBytes + events * contextBytes
  if (stored > MAX_STORED_BATCH_BYTES)
    throw fail(
      413,
      `the request's "context" (${contextBytes} bytes) is copied into each of its ${events} events: ${stored} bytes to store, at most ${MAX_STORED_BATCH_BYTES}: send a smaller context or fewer events`,
    )
}
