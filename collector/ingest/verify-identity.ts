import type { Source } from '../auth/sources.ts'
import { provesUser } from '../auth/user-hash.ts'
import { isRecord } from '../values.ts'
import type { PreparedEvent } from './prepare-event.ts'

export const UNPROVEN_EVENT =
  "userId needs a valid context.userHash (hex HMAC-SHA256 of the userId with the source's identity secret, computed by the site's backend)"
export const BROWSER_ALIAS =
  'an alias from a browser source only links its own anonymousId to a proven userId (previousId must equal the anonymousId; userId with a valid context.userHash): user-to-user aliases need a server source'

/**
 * Secure mode (spec: collector.md, "Keys and sources") for one prepared event: the error that
 * rejects it, or `undefined`. From a browser source, an event naming a `userId` must carry its
 * `context.userHash`, and an `alias` may only join the event's own anonymous profile to that proven
 * user (`previousId` = `anonymousId`), so a public writeKey cannot attach events to, merge into or
 * take over anyone else's profile. Server sources are trusted. The hash is not stored.
 */
export async function identityError(
  source: Source,
  { event }: PreparedEvent,
): Promise<string | undefined> {
  const context = isRecord(event.context) ? event.context : undefined
  const hash = context?.userHash
  if (context && 'userHash' in context) {
    const { userHash: _hash, ...rest } = context
    event.context = rest
  }
  if (source.server) return undefined
  const userId = event.userId
  if (typeof userId === 'string' && userId !== '' && !(await provesUser(source, userId, hash)))
    return UNPROVEN_EVENT
  if (event.type === 'alias' && event.previousId !== event.anonymousId) return BROWSER_ALIAS
  return undefined
}
