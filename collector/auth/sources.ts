import { isRecord } from '../values.ts'

/** A source: the origins whose pages may send with its writeKey, and its own rate limits. */
export interface Source {
  writeKey: string
  /** Exact origins (`https://shop.example`), or `'*'` for any. */
  origins: readonly string[]
  /**
   * Rates (`"<count>/<seconds>"`) overriding the `RATE_LIMIT_CLIENT` (requests per writeKey + IP)
   * and `RATE_LIMIT_PROFILE` (events per profile) vars for this source, e.g. a server source.
   */
  rateLimits?: { client?: string; profile?: string }
}

let cached: { text: string; sources: Map<string, Source> } | undefined

/**
 * The sources configured in the `SOURCES` var, parsed once per isolate. A malformed var is the
 * operator's mistake, so it throws (a 500 that says which var to fix), never a client error.
 */
export function sourcesOf(text: string): Map<string, Source> {
  if (cached?.text === text) return cached.sources
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error('the SOURCES var must be JSON: {"<writeKey>": {"origins": ["*"]}}')
  }
  if (!isRecord(parsed)) throw new Error('the SOURCES var must be a JSON object keyed by writeKey')
  const sources = new Map<string, Source>()
  for (const [writeKey, value] of Object.entries(parsed)) {
    const origins = isRecord(value) ? value.origins : undefined
    if (!Array.isArray(origins) || !origins.every((o) => typeof o === 'string'))
      throw new Error(`SOURCES["${writeKey}"].origins must be an array of origins (or ["*"])`)
    const rateLimits = isRecord(value) ? value.rateLimits : undefined
    if (
      rateLimits !== undefined &&
      (!isRecord(rateLimits) ||
        !Object.values(rateLimits).every((rate) => typeof rate === 'string'))
    )
      throw new Error(
        `SOURCES["${writeKey}"].rateLimits must be like {"client": "1200/60", "profile": "2000/60"}`,
      )
    sources.set(writeKey, { writeKey, origins, ...(rateLimits && { rateLimits }) })
  }
  cached = { text, sources }
  return sources
}

/** Whether a page at `origin` may use `source` (exact match, or `'*'`). */
export const allowsOrigin = (source: Source, origin: string): boolean =>
  source.origins.includes('*') || source.origins.includes(origin)
