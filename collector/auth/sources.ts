import type { Env } from '../env.ts'
import { fail } from '../http-error.ts'
import { isRecord } from '../values.ts'

/**
 * A source (spec: collector.md, "Keys and sources"). A **browser** source's writeKey is public (it
 * ships in page HTML): its pages are allowlisted by origin, and anything naming a userId must prove
 * it with a `userHash` made with its identity secret. A **server** source's writeKey is a secret:
 * no CORS, userIds trusted without hashes, as Segment's server libraries are.
 */
export interface Source {
  writeKey: string
  /** `true` for a server source. */
  server: boolean
  /** Exact origins (`https://shop.example`), or `'*'` for any (browser sources; none for servers). */
  origins: readonly string[]
  /** A browser source's identity secret, read from the var or secret its `env:NAME` names. */
  identitySecret?: string
  /**
   * Rates (`"<count>/<seconds>"`) overriding the `RATE_LIMIT_CLIENT_EVENTS` (events per writeKey +
   * IP) and `RATE_LIMIT_PROFILE` (events per profile) vars for this source, e.g. a server source
   * importing history.
   */
  rateLimits?: { clientEvents?: string; clientProfiles?: string; profile?: string }
  /** Why this source cannot be used (a configuration error, answered `503`), if it cannot. */
  problem?: string
}

const RATE_NAMES = ['clientEvents', 'clientProfiles', 'profile']

const SHAPE =
  '{"<writeKey>": {"origins": ["https://your.site"], "identitySecret": "env:IDENTITY_SECRET"}, "<server writeKey>": {"server": true}}'

let cached: { text: string; env: Env; sources: Map<string, Source> } | undefined

/**
 * The sources configured in the `SOURCES` var, parsed once per isolate. Configuration errors are
 * the operator's, answered `503` with the fix (like an unset `ADMIN_KEY`), never a client error:
 * a missing or malformed var disables the public API; a source that is wrong (a browser source
 * without an identity secret, an `env:NAME` that is not set) disables that source only.
 */
export function sourcesOf(env: Env): Map<string, Source> {
  const text = env.SOURCES
  if (cached && cached.text === text && cached.env === env) return cached.sources
  if (typeof text !== 'string' || text.trim() === '')
    throw fail(
      503,
      `no sources are configured: set the SOURCES var (locally in .dev.vars, see .dev.vars.example) to ${SHAPE}`,
    )
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw fail(503, `the SOURCES var must be JSON: ${SHAPE}`)
  }
  if (!isRecord(parsed))
    throw fail(503, `the SOURCES var must be a JSON object keyed by writeKey: ${SHAPE}`)
  const sources = new Map<string, Source>()
  for (const [writeKey, value] of Object.entries(parsed))
    sources.set(writeKey, readSource(writeKey, value, env))
  cached = { text, env, sources }
  return sources
}

function readSource(writeKey: string, value: unknown, env: Env): Source {
  const at = `SOURCES["${writeKey}"]`
  const source: Source = { writeKey, server: false, origins: [] }
  const broken = (problem: string): Source => ({ ...source, problem: `${at}${problem}` })
  if (!isRecord(value)) return broken(` must be an object like ${SHAPE}`)
  if (value.server !== undefined && typeof value.server !== 'boolean')
    return broken('.server must be true (a server source) or absent (a browser source)')
  source.server = value.server === true
  const { origins, rateLimits, identitySecret } = value
  if (origins !== undefined || !source.server) {
    if (!Array.isArray(origins) || !origins.every((o) => typeof o === 'string'))
      return broken('.origins must be an array of origins (or ["*"])')
    source.origins = origins
  }
  if (rateLimits !== undefined) {
    if (
      !isRecord(rateLimits) ||
      !Object.entries(rateLimits).every(
        ([name, rate]) => RATE_NAMES.includes(name) && typeof rate === 'string',
      )
    )
      return broken(
        '.rateLimits must be like {"clientEvents": "30000/60", "clientProfiles": "600/60", "profile": "2000/60"} (requests per address are the CLIENT_REQUESTS binding\'s, one limit for every source)',
      )
    source.rateLimits = rateLimits
  }
  if (identitySecret !== undefined) {
    if (typeof identitySecret !== 'string' || !identitySecret.startsWith('env:'))
      return broken(
        '.identitySecret must name a secret as "env:NAME" (wrangler secret put NAME), never the secret itself',
      )
    const name = identitySecret.slice(4)
    const secret = (env as unknown as Record<string, unknown>)[name]
    if (typeof secret !== 'string' || secret === '')
      return broken(
        `.identitySecret refers to ${name}, which is not set: wrangler secret put ${name} (locally in .dev.vars)`,
      )
    source.identitySecret = secret
  } else if (!source.server)
    return broken(
      ' is a browser source without an identity secret: add "identitySecret": "env:NAME" and set that secret (wrangler secret put NAME; locally in .dev.vars), or make it a server source with "server": true if its writeKey never reaches a page',
    )
  return source
}

/** Whether a page at `origin` may use `source` (a browser source; exact match, or `'*'`). */
export const allowsOrigin = (source: Source, origin: string): boolean =>
  !source.server &&
  source.problem === undefined &&
  (source.origins.includes('*') || source.origins.includes(origin))
