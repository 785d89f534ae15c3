import type { Context } from 'hono'
import type { AppEnv } from '../env.ts'
import { credentials } from './credentials.ts'
import { fail } from '../http-error.ts'
import { allowsOrigin, sourcesOf, type Source } from './sources.ts'

/**
 * The writeKey sent as the HTTP Basic username (`Authorization: Basic base64(writeKey + ":")`,
 * Segment's convention), or `undefined` when there is no Basic header.
 */
export function basicWriteKey(header: string | undefined): string | undefined {
  const encoded = credentials(header, 'basic')
  if (encoded === undefined) return undefined
  let decoded: string
  try {
    decoded = atob(encoded)
  } catch {
    throw fail(401, 'Authorization: Basic must be base64 of "<writeKey>:"')
  }
  const colon = decoded.indexOf(':')
  return colon === -1 ? decoded : decoded.slice(0, colon)
}

/**
 * Checks a writeKey and the request's `Origin` against the sources: `401` for a missing or unknown
 * writeKey, `503` for a source its configuration disables (the message names the fix), `403` for an
 * origin a browser source does not allow, or any page using a server source's (secret) writeKey.
 * Requests without `Origin` (servers, curl) are not browsers, so only the writeKey counts for them.
 */
export function authorizeSource(c: Context<AppEnv>, writeKey: string | undefined): Source {
  if (writeKey === undefined || writeKey === '')
    throw fail(
      401,
      'missing writeKey: send it as the HTTP Basic username (Authorization: Basic base64(writeKey + ":")) or as "writeKey" in the JSON body',
    )
  const source = sourcesOf(c.env).get(writeKey)
  if (!source) throw fail(401, 'unknown writeKey: use the writeKey of a configured source')
  if (source.problem) throw fail(503, `this source is disabled: ${source.problem}`)
  c.set('source', source)
  const origin = c.req.header('origin')
  if (origin !== undefined && source.server)
    throw fail(
      403,
      "this is a server source's writeKey, a secret that never belongs in a page: pages use a browser source's writeKey",
    )
  if (origin !== undefined && !allowsOrigin(source, origin))
    throw fail(
      403,
      `origin ${JSON.stringify(origin)} is not allowed for this writeKey: add it to the source's origins`,
    )
  return source
}
