import { Hono, type Context } from 'hono'
import { EVENT_TYPES, type EventType } from '../../rules/index.ts'
import { deliverBatch } from '../ingest/deliver-batch.ts'
import type { AppEnv } from '../env.ts'
import { fail, tooManyRequests } from '../http-error.ts'
import { chargeNewProfiles, describeRate, newProfileWait } from '../auth/rate-limits.ts'
import type { IngestResponse } from '../ingest/ingest-response.ts'
import { readBatch } from '../ingest/read-batch.ts'

/** `Retry-After` (s) when no profile of a batch could commit. */
const RETRY_FAILED_S = 5

/**
 * `POST /v1/batch` and `POST /v1/track|page|screen|identify|alias|group` (Segment's HTTP Tracking
 * API), and the short paths of Segment's browser library (`SHORT_PATHS`). Answers `200` only after
 * every accepted event is committed by its profile.
 */
export const ingest = new Hono<AppEnv>().post('/batch', (c) => handle(c))
// One static route per type rather than `/:type`: a parameter beside the other `/v1/…` routes
// keeps Hono's RegExpRouter from compiling them into one expression, and its fallback (a trie
// searched per request) costs every request a few percent of the Worker's CPU.
for (const type of EVENT_TYPES) ingest.post(`/${type}`, (c) => handle(c, type))

/**
 * The short paths of Segment's browser library, analytics.js 2.0 (`@segment/analytics-next`): it
 * posts each call to `<apiHost>/<first letter of its type>` and batches to `<apiHost>/b`, so a
 * site that moves from Segment only points its `apiHost` at `<collector>/v1`. Each is the route it
 * abbreviates.
 */
export const SHORT_PATHS: Readonly<Record<string, EventType | 'batch'>> = {
  b: 'batch',
  t: 'track',
  p: 'page',
  s: 'screen',
  i: 'identify',
  a: 'alias',
  g: 'group',
}
for (const [path, route] of Object.entries(SHORT_PATHS))
  ingest.post(`/${path}`, (c) => (route === 'batch' ? handle(c) : handle(c, route)))

async function handle(c: Context<AppEnv>, type?: EventType): Promise<Response> {
  const { receivedAt, good, rejected, source, rates } = await readBatch(c, type)
  const response: IngestResponse = { success: true, accepted: 0, duplicates: 0, rejected }

  if (good.length) {
    const delivered = await deliverBatch(
      c.env,
      good.map((g) => g.event),
      receivedAt,
      rates.profile,
      newProfileWait(c, source, rates),
    )
    const outcomes = delivered.deliveries.flatMap((d) => ('outcome' in d ? [d.outcome] : []))
    // Identity links make objects too (an identify of an id never seen leaves its forward).
    const created = outcomes.filter((o) => o.created).length + delivered.linksCreated
    chargeNewProfiles(c, source, created, rates)
    const limited = outcomes.filter((o) => o.retryAfterMs !== undefined)
    const { linkWaitMs } = delivered
    if (limited.length || linkWaitMs !== undefined) {
      // Not naming the profile: it may be the user an anonymousId was merged into.
      const why =
        linkWaitMs !== undefined || limited.some((o) => o.newProfile)
          ? `too many new profiles for this writeKey from this address (at most ${describeRate(rates.clientProfiles!)}); the events of existing profiles were stored`
          : `a profile of this batch is over its rate limit (${describeRate(rates.profile)} events); the other profiles' events were stored`
      throw tooManyRequests(
        Math.max(linkWaitMs ?? 0, ...limited.map((o) => o.retryAfterMs!)),
        `${why}, and a retry of the whole batch counts them once`,
      )
    }
    const failed = delivered.deliveries.flatMap((d) => ('failure' in d ? [d] : []))
    // No profile committed: the whole request is worth a retry (a browser's batch is one profile,
    // and the SDK retries a 5xx but drops a 200's rejected events).
    if (failed.length === delivered.deliveries.length)
      throw fail(
        503,
        // Not naming the profile, as above.
        `its profile could not commit (${failed[0]!.failure}); no event was stored: retry the batch (a messageId counts its event once)`,
        { 'Retry-After': String(RETRY_FAILED_S) },
      )
    for (const delivery of delivered.deliveries) {
      const { positions } = delivery
      if ('failure' in delivery) {
        // Another profile of the batch committed: only these events are to be sent again.
        for (const position of positions) {
          const { index, event } = good[position]!
          response.rejected.push({
            index,
            messageId: event.messageId,
            error: `its profile could not commit (${delivery.failure}), the other profiles' events were stored: send this event again (its messageId counts it once)`,
            retryable: true,
          })
        }
        continue
      }
      const { outcome } = delivery
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
