import { Hono, type Context } from 'hono'
import { EVENT_TYPES, type EventType, type TagValue } from '../../rules/index.ts'
import { deliverBatch } from '../ingest/deliver-batch.ts'
import type { AppEnv } from '../env.ts'
import { tooManyRequests } from '../http-error.ts'
import { describeRate } from '../auth/rate-limits.ts'
import { readBatch, type RejectedEvent } from '../ingest/read-batch.ts'

/** The `200` answer to an ingest request (spec: collector.md, "Ingest"). */
export interface IngestResponse {
  success: true
  accepted: number
  duplicates: number
  rejected: RejectedEvent[]
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
  const { receivedAt, good, rejected, rates } = await readBatch(c, type)
  const response: IngestResponse = { success: true, accepted: 0, duplicates: 0, rejected }

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
        // Not naming the profile: it may be the user an anonymousId was merged into.
        `a profile of this batch is over its rate limit (${describeRate(rates.profile)} events); the other profiles' events were stored, and a retry of the whole batch counts them once`,
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
