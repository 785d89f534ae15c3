import { Hono, type Context } from 'hono'
import { EVENT_TYPES, parseTimestamp, type EventType, type TagValue } from '../../rules/index.ts'
import { deliverBatch } from '../deliver-batch.ts'
import type { AppEnv } from '../env.ts'
import { fail, tooManyRequests } from '../http-error.ts'
import { MAX_BATCH_EVENTS, MAX_BODY_BYTES, MAX_JSON_DEPTH } from '../limits.ts'
import { parseJson } from '../parse-json.ts'
import { prepareEvent, type PreparedEvent, type RequestFacts } from '../prepare-event.ts'
import { describeRate, limitClient } from '../limit-rates.ts'
import { readBody } from '../read-body.ts'
import { authorizeSource, basicWriteKey } from '../source-auth.ts'
import { describe, isRecord } from '../values.ts'

/** The `200` answer to an ingest request (spec: collector.md, "Ingest"). */
export interface IngestResponse {
  success: true
  accepted: number
  duplicates: number
  rejected: { index: number; messageId: string | null; error: string }[]
  /** All tags the edge holds for the profile, when every accepted event belongs to one profile. */
  tags?: Record<string, TagValue>
}

/**
 * `POST /v1/batch` and `POST /v1/track|page|screen|identify|alias|group` (Segment's HTTP Tracking
 * API). Answers `200` only after every accepted event is committed by its profile.
 */
export const ingest = new Hono<AppEnv>()
  .post('/batch', (c) => handle(c))
  .post('/:type', (c) => {
    const type = c.req.param('type')
    if (!(EVENT_TYPES as readonly string[]).includes(type)) return c.notFound()
    return handle(c, type as EventType)
  })

async function handle(c: Context<AppEnv>, type?: EventType): Promise<Response> {
  const receivedAt = Date.now()
  const body = parseJson(await readBody(c.req.raw, MAX_BODY_BYTES), MAX_JSON_DEPTH)
  if (!isRecord(body))
    throw fail(
      400,
      `body must be a JSON object${type ? ' (an event)' : ' like {"batch": [...]}'} (got ${describe(body)})`,
    )
  if (body.writeKey !== undefined && typeof body.writeKey !== 'string')
    throw fail(400, `"writeKey" must be a string (got ${describe(body.writeKey)})`)
  const source = authorizeSource(c, basicWriteKey(c.req.header('authorization')) ?? body.writeKey)
  const rates = limitClient(c, source)

  const facts: RequestFacts = { receivedAt }
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
    }
  }

  const response: IngestResponse = { success: true, accepted: 0, duplicates: 0, rejected: [] }
  const good: { index: number; event: PreparedEvent }[] = []
  const prepared = await Promise.all(events.map((event) => prepareEvent(event, facts)))
  prepared.forEach((result, index) => {
    if (result.ok) return void good.push({ index, event: result.event })
    response.rejected.push({ index, messageId: result.messageId, error: result.error })
  })

  if (good.length) {
    const delivered = await deliverBatch(
      c.env,
      good.map((g) => g.event),
      receivedAt,
      rates.profile,
    )
    const limited = delivered.deliveries.filter((d) => d.outcome.retryAfterMs !== undefined)
    if (limited.length)
      throw tooManyRequests(
        Math.max(...limited.map((d) => d.outcome.retryAfterMs!)),
        `profile ${JSON.stringify(limited[0]!.profile)} is over its rate limit (${describeRate(rates.profile)} events); the other profiles' events were stored, and a retry of the whole batch counts them once`,
      )
    for (const { positions, outcome } of delivered.deliveries) {
      response.accepted += outcome.accepted
      response.duplicates += outcome.duplicates
      for (const { position, error } of outcome.rejected) {
        const { index, event } = good[positions[position]!]!
        response.rejected.push({ index, messageId: event.messageId, error })
      }
    }
    if (delivered.tags) response.tags = delivered.tags
  }
  response.rejected.sort((a, b) => a.index - b.index)
  return c.json(response)
}
