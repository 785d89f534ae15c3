import type { Context } from 'hono'
import type { AppEnv, Env } from '../env.ts'
import { tooManyRequests } from '../http-error.ts'
import { parseRate, TokenBuckets, type Rate } from './token-buckets.ts'
import type { Source } from './sources.ts'

/** Requests per writeKey + client IP. @default "1200/60" */
const DEFAULT_CLIENT_RATE = '1200/60'
/** Events per profile. @default "2000/60" */
const DEFAULT_PROFILE_RATE = '2000/60'

/** The rates in force for a source: its own (`SOURCES`), else the vars, else the defaults. */
export interface Rates {
  client: Rate
  profile: Rate
}

let parsed: { key: string; rates: Rates } | undefined

export function ratesOf(env: Env, source: Source): Rates {
  const client = source.rateLimits?.client ?? env.RATE_LIMIT_CLIENT ?? DEFAULT_CLIENT_RATE
  const profile = source.rateLimits?.profile ?? env.RATE_LIMIT_PROFILE ?? DEFAULT_PROFILE_RATE
  const key = `${client}\0${profile}`
  if (parsed?.key !== key)
    parsed = {
      key,
      rates: {
        client: parseRate(client, "RATE_LIMIT_CLIENT (or a source's rateLimits.client)"),
        profile: parseRate(profile, "RATE_LIMIT_PROFILE (or a source's rateLimits.profile)"),
      },
    }
  return parsed.rates
}

/** Per isolate (like Cloudflare's own rate limiting, which counts per location): cheap, no I/O. */
const clients = new TokenBuckets(10_000)

/**
 * Counts a request against its writeKey + client IP (`CF-Connecting-IP`): `429` with
 * `Retry-After` over the source's client rate. Returns the source's rates for the profile limit.
 */
export function limitClient(c: Context<AppEnv>, source: Source): Rates {
  const rates = ratesOf(c.env, source)
  const ip = c.req.header('cf-connecting-ip') ?? 'unknown'
  const wait = clients.take(`${source.writeKey}\0${ip}`, 1, rates.client, Date.now())
  if (wait > 0)
    throw tooManyRequests(
      wait,
      `too many requests for this writeKey from ${ip} (at most ${describeRate(rates.client)})`,
    )
  return rates
}

/** `1200 per 60 s`. */
export const describeRate = (rate: Rate) => `${rate.limit} per ${rate.periodMs / 1000} s`
