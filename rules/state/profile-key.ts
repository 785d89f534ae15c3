/**
 * Which space an id lives in. User ids and anonymous ids are separate spaces (rules.md, "Identity";
 * collector.md, "Id spaces"): an anonymous id equal to some user id's string is another person, so
 * a visitor can never reach a user's profile by choosing its anonymousId.
 */
export type IdSpace = 'user' | 'anonymous'

/** A person's profile: named by a user id, or by an anonymous id until that visitor is joined. */
export interface ProfileKey {
  space: IdSpace
  id: string
}

const ANONYMOUS = 'anonymous:'
const USER = 'user:'

/**
 * The one string that names a profile, unambiguous across both spaces: a user id as it is, an
 * anonymous id as `anonymous:<id>`, and a user id that itself starts with `anonymous:` or `user:`
 * as `user:<id>`. User ids keep their plain string because that is what people look up, index and
 * export; anonymous ids carry the prefix because they are the ones nobody types.
 *
 * @example profileName({ space: 'anonymous', id: 'a1' }) // 'anonymous:a1'
 * @example profileName({ space: 'user', id: 'alice@x.com' }) // 'alice@x.com'
 */
export function profileName(key: ProfileKey): string {
  if (key.space === 'anonymous') return ANONYMOUS + key.id
  return key.id.startsWith(ANONYMOUS) || key.id.startsWith(USER) ? USER + key.id : key.id
}

/** The profile a name from {@link profileName} stands for (any string is some user's name). */
export function parseProfileName(name: string): ProfileKey {
  if (name.startsWith(ANONYMOUS)) return { space: 'anonymous', id: name.slice(ANONYMOUS.length) }
  if (name.startsWith(USER)) return { space: 'user', id: name.slice(USER.length) }
  return { space: 'user', id: name }
}

/** The name of user `id`'s profile. */
export const userProfile = (id: string): string => profileName({ space: 'user', id })

/** The name of anonymous visitor `id`'s profile. */
export const anonymousProfile = (id: string): string => profileName({ space: 'anonymous', id })

/**
 * The profiles an `alias`'s `previousId` names. Segment's `previousId` is whatever id the person had
 * before: an anonymous id or an earlier user id, and the event does not say which. When the alias
 * carries the same `anonymousId` (what a browser sends when it links its own visitor) it is that
 * anonymous visitor. Otherwise — a server's alias, as `analytics.alias({ previousId, userId })`
 * sends it — both the user and the anonymous visitor of that string join the `userId`: the one
 * that exists moves, the other is empty. Browser sources may only send the first form
 * (collector.md, secure mode), so a public writeKey never reaches a user this way. Deciding by
 * the event alone keeps the edge, the CLI and every replay in agreement.
 */
export function previousProfiles(previousId: string, anonymousId: unknown): string[] {
  if (previousId === anonymousId) return [anonymousProfile(previousId)]
  return [userProfile(previousId), anonymousProfile(previousId)]
}
