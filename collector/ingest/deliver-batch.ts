import type { TagValue } from '../../rules/index.ts'
import type { Env } from '../env.ts'
import { atProfile, linkProfiles } from '../profile/follow-forwards.ts'
import { identityLinks, linkGroups } from './identity-links.ts'
import type { PreparedEvent } from './prepare-event.ts'
import type { IngestOutcome } from '../profile/profile-do.ts'
import type { Rate } from '../auth/token-buckets.ts'
import { HTTPException } from 'hono/http-exception'
import { fail } from '../http-error.ts'
import { MAX_BATCH_PROFILES } from '../limits.ts'

/**
 * Profiles of one batch called at the same time. A batch may name up to 2,500 profiles (one event
 * each); calling them all at once ran the local runtime out of SQLite memory (`SQLITE_NOMEM`, a
 * 500), and in production a request waits on six connections at a time anyway. 32 in flight keeps
 * a batch of many new profiles near the rate they commit in parallel, while what one request holds
 * in memory (the calls, their events, their answers) is bounded by 32 profiles, not by the batch.
 */
export const PROFILE_CALLS_IN_FLIGHT = 32

/**
 * What one profile did with its share of a batch (`positions` index the batch's good events): its
 * `outcome`, or the `failure` of a call that threw (the profile could not commit: its events are
 * not known to be stored, and a retry with the same messageIds counts them once).
 */
export type Delivery = { profile: string; positions: number[] } & (
  { outcome: IngestOutcome } | { failure: string }
)

/** What `deliverBatch` did. */
export interface DeliveredBatch {
  deliveries: Delivery[]
  /** The profile's tags, when all events landed in one profile. */
  tags?: Record<string, TagValue>
  /** Profiles the batch's identity links made (ids never seen, and users they merged into). */
  linksCreated: number
  /** Set when a link waited for the sender's budget of new profiles: ms until it may be made. */
  linkWaitMs?: number
}

/**
 * Delivers a batch's good events to their profiles: first the identity links it carries merge
 * profiles (earliest first among the links that share a profile, `linkGroups`; the others side by
 * side), then the events are grouped by the profile they now belong to and each profile gets one
 * call (one storage transaction), `PROFILE_CALLS_IN_FLIGHT` at a time, following forwards.
 * Resolves after every profile committed or failed: a profile that cannot commit fails alone, the others' events
 * are stored. `tags` are the profile's when all events landed in one profile. Each profile takes at
 * most `rate` events (over it, its outcome has `retryAfterMs` and stores nothing); a profile that
 * does not exist yet is created only when `createWaitMs` is 0 (the sender's budget of new
 * profiles, else its outcome has `retryAfterMs` and `newProfile`); an identity link that would make
 * a profile waits so too (`linkWaitMs`; the id's events then go to its own profile, new, which
 * waits as well), and the profiles links made are counted (`linksCreated`). Throws `413`,
 * before anything is stored, when the batch names more than `MAX_BATCH_PROFILES` profiles.
 */
export async function deliverBatch(
  env: Env,
  events: readonly PreparedEvent[],
  receivedAt: number,
  rate: Rate,
  createWaitMs = 0,
): Promise<DeliveredBatch> {
  const links = identityLinks(events)
  const named = new Set(events.map((event) => event.profile))
  for (const link of links) named.add(link.from).add(link.to)
  if (named.size > MAX_BATCH_PROFILES)
    throw fail(
      413,
      `the batch names ${named.size} profiles (userIds, anonymousIds and the ids its links merge), at most ${MAX_BATCH_PROFILES} per request are allowed: split it`,
    )
  const redirects = new Map<string, string>()
  let linksCreated = 0
  let linkWaitMs: number | undefined
  // Links that share no profile apply side by side, as the profiles' events do: one after
  // another, a server's batch of 500 identifies waited on some 2,000 object calls in a row.
  const failures: unknown[] = []
  await mapInFlight(linkGroups(links), PROFILE_CALLS_IN_FLIGHT, async (group) => {
    try {
      for (const link of group) {
        const linked = await linkProfiles(env, link.from, link.to, link.at, createWaitMs)
        // Not linked: the id's events below go to its own profile, new, which waits as well.
        if ('waitMs' in linked) linkWaitMs = Math.max(linkWaitMs ?? 0, linked.waitMs)
        else {
          linksCreated += linked.created
          if (linked.to !== undefined) redirects.set(link.from, linked.to)
        }
      }
    } catch (error) {
      // The other groups finish first: no call of this request is left running unawaited.
      failures.push(error)
    }
  })
  if (failures.length) throw failures[0]
  const groups = new Map<string, { positions: number[]; events: PreparedEvent[] }>()
  events.forEach((event, position) => {
    const profile = follow(redirects, event.profile)
    let group = groups.get(profile)
    if (!group) groups.set(profile, (group = { positions: [], events: [] }))
    group.positions.push(position)
    group.events.push(event)
  })
  const deliveries = await mapInFlight(
    [...groups],
    PROFILE_CALLS_IN_FLIGHT,
    async ([key, group]): Promise<Delivery> => {
      try {
        const { profile, value } = await atProfile(env, key, (stub, id) =>
          stub.ingest(id, group.events, receivedAt, rate, createWaitMs),
        )
        return { profile, positions: group.positions, outcome: value }
      } catch (error) {
        // One profile's failure (its storage out of memory, an object reset, merges that keep
        // crossing) must not cost the other profiles of the batch their commits.
        console.error(`tagwise: profile ${JSON.stringify(key)} could not commit:`, error)
        return { profile: key, positions: group.positions, failure: failureOf(error) }
      }
    },
  )
  const linked = { linksCreated, ...(linkWaitMs === undefined ? {} : { linkWaitMs }) }
  const profiles = new Set(deliveries.map((d) => d.profile))
  const outcomes = deliveries.flatMap((d) => ('outcome' in d ? [d.outcome] : []))
  if (
    profiles.size !== 1 ||
    outcomes.length !== deliveries.length ||
    outcomes.some((o) => o.retryAfterMs !== undefined) ||
    linkWaitMs !== undefined
  )
    return { deliveries, ...linked }
  // Two groups reached one profile through a forward: read its tags after both commits.
  const tags =
    outcomes.length === 1
      ? outcomes[0]!.tags
      : (await atProfile(env, [...profiles][0]!, (stub) => stub.tags())).value
  return { deliveries, tags, ...linked }
}

/** What the client is told of a failed profile call: a client error's own words, else no internals. */
const failureOf = (error: unknown): string =>
  error instanceof HTTPException ? error.message : 'its storage failed (logged)'

/** Where `id` goes after this batch's merges (chains followed, loops cut). */
function follow(redirects: ReadonlyMap<string, string>, id: string): string {
  const seen = new Set<string>()
  for (
    let next = redirects.get(id);
    next !== undefined && !seen.has(next);
    next = redirects.get(id)
  )
    seen.add((id = next))
  return id
}

/** `Promise.all(items.map(map))` with at most `limit` calls under way; results in `items` order. */
async function mapInFlight<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await map(items[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
