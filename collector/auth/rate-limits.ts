import type { Context } from 'hono'
import type { AppEnv, Env } from '../env.ts'
import { fail, tooManyRequests } from '../http-error.ts'
import { parseRate, TokenBuckets, type Rate } from './token-buckets.ts'
import type { Source } from './sources.ts'

/**
 * The period of the `CLIENT_REQUESTS` binding (wrangler.toml, `simple.period`): a client over its
 * limit may retry after at most this long.
 */
const CLIENT_REQUESTS_PERIOD_MS = 60_000
/**
 * Events per writeKey + client IP. One active visitor's SDK sends a few events per page and at
 * most one batch every 2 s; 30,000 a minute lets about a thousand visitors behind one carrier NAT
 * or office address send 30 events a minute each, while one client cannot push 2,500-event batches
 * at the request limit (2,500 × 200 requests a second).
 * @default "30000/60"
 */
const DEFAULT_CLIENT_EVENTS_RATE = '30000/60'
/**
 * Events per profile: what protects each Durable Object (one person's SDK sends far fewer; a
 * server import of one person's history waits and retries).
 * @default "2000/60"
 */
const DEFAULT_PROFILE_RATE = '2000/60'

/**
 * New profiles per writeKey + client IP, for browser sources: one visitor makes one anonymous
 * profile (two when it signs in as a user the collector never saw); 600 a minute lets some 600 new
 * visitors a minute arrive through one address, while a script that invents anonymousIds to make
 * storage is held to 600 objects a minute per address. Server sources (a secret writeKey, a site's
 * backend importing its users) are not limited unless their `rateLimits.clientProfiles` says so.
 * @default "600/60"
 */
const DEFAULT_CLIENT_PROFILES_RATE = '600/60'

/** The rates in force for a source: its own (`SOURCES`), else the vars, else the defaults. */
export interface Rates {
  /** Events per writeKey + client IP. */
  clientEvents: Rate
  /** New profiles per writeKey + client IP (`undefined`: not limited). */
  clientProfiles?: Rate
  /** Events per profile. */
  profile: Rate
}

let parsed: { key: string; rates: Rates } | undefined

export function ratesOf(env: Env, source: Source): Rates {
  if (env.RATE_LIMIT_CLIENT !== undefined)
    throw fail(
      503,
      'RATE_LIMIT_CLIENT is no longer read: requests per writeKey + client IP are limited by the CLIENT_REQUESTS rate limiting binding (wrangler.toml [[ratelimits]]), events by RATE_LIMIT_CLIENT_EVENTS',
    )
  const clientEvents =
    source.rateLimits?.clientEvents ?? env.RATE_LIMIT_CLIENT_EVENTS ?? DEFAULT_CLIENT_EVENTS_RATE
  const profile = source.rateLimits?.profile ?? env.RATE_LIMIT_PROFILE ?? DEFAULT_PROFILE_RATE
  const clientProfiles =
    source.rateLimits?.clientProfiles ??
    (source.server ? undefined : (env.RATE_LIMIT_CLIENT_PROFILES ?? DEFAULT_CLIENT_PROFILES_RATE))
  const key = `${clientEvents}\0${profile}\0${clientProfiles}`
  if (parsed?.key !== key)
    parsed = {
      key,
      rates: {
        clientEvents: parseRate(
          clientEvents,
          "RATE_LIMIT_CLIENT_EVENTS (or a source's rateLimits.clientEvents)",
        ),
        profile: parseRate(profile, "RATE_LIMIT_PROFILE (or a source's rateLimits.profile)"),
        ...(clientProfiles === undefined
          ? {}
          : {
              clientProfiles: parseRate(
                clientProfiles,
                "RATE_LIMIT_CLIENT_PROFILES (or a source's rateLimits.clientProfiles)",
              ),
            }),
      },
    }
  return parsed.rates
}

/**
 * Events per writeKey + client IP, per isolate (like Cloudflare's own rate limiting, which counts
 * per location): the Rate Limiting binding counts one per call, so a weighted budget stays here.
 */
const clientEvents = new TokenBuckets(10_000)

const clientIp = (c: Context<AppEnv>) => c.req.header('cf-connecting-ip') ?? 'unknown'

/**
 * Counts a request against its writeKey + client IP (`CF-Connecting-IP`) with the Workers Rate
 * Limiting binding `CLIENT_REQUESTS`: `429` with `Retry-After` over its limit. Called before the
 * body is read, so a flood costs no parsing. Returns the source's rates.
 */
export async function limitClient(c: Context<AppEnv>, source: Source): Promise<Rates> {
  const rates = ratesOf(c.env, source)
  const ip = clientIp(c)
  const { success } = await c.env.CLIENT_REQUESTS.limit({ key: `${source.writeKey} ${ip}` })
  if (!success)
    throw tooManyRequests(
      CLIENT_REQUESTS_PERIOD_MS,
      `too many requests for this writeKey from ${ip} (the CLIENT_REQUESTS rate limit)`,
    )
  return rates
}

/**
 * Counts a batch's `events` against its writeKey + client IP: `429` with `Retry-After` over the
 * source's `clientEvents` rate. A batch larger than the whole budget passes when the budget is
 * full and leaves it in debt, so a big batch is throttled, never refused forever.
 */
export function limitClientEvents(
  c: Context<AppEnv>,
  source: Source,
  events: number,
  rates: Rates,
): void {
  const ip = clientIp(c)
  const wait = clientEvents.take(
    `${source.writeKey}\0${ip}`,
    events,
    rates.clientEvents,
    Date.now(),
  )
  if (wait > 0)
    throw tooManyRequests(
      wait,
      `too many events for this writeKey from ${ip} (at most ${describeRate(rates.clientEvents)}): nothing of this batch was stored, retry after Retry-After`,
    )
}

/** New profiles made per writeKey + client IP, per isolate (as `clientEvents`). */
const clientProfiles = new TokenBuckets(10_000)

/**
 * How long a request of `source` must wait before it may create a profile (`0`: it may now). A
 * request whose budget is spent still reaches the profiles that exist: only new ones wait.
 */
export function newProfileWait(c: Context<AppEnv>, source: Source, rates: Rates): number {
  if (!rates.clientProfiles) return 0
  const key = `${source.writeKey}\0${clientIp(c)}`
  return clientProfiles.waitFor(key, 1, rates.clientProfiles, Date.now())
}

/** Counts the `created` profiles a request made against its writeKey + client IP. */
export function chargeNewProfiles(
  c: Context<AppEnv>,
  source: Source,
  created: number,
  rates: Rates,
): void {
  if (!rates.clientProfiles || created === 0) return
  clientProfiles.take(
    `${source.writeKey}\0${clientIp(c)}`,
    created,
    rates.clientProfiles,
    Date.now(),
  )
}

/** `1200 per 60 s`. */
export const describeRate = (rate: Rate) => `${rate.limit} per ${rate.periodMs / 1000} s`
