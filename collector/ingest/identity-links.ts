import { anonymousProfile, previousProfiles, userProfile } from '../../rules/index.ts'
import type { PreparedEvent } from './prepare-event.ts'

/** An identity link: profile `from` joins profile `to`, as seen on an event at `at` (epoch ms). */
export interface IdentityLink {
  from: string
  to: string
  at: number
}

/**
 * The links a batch carries between profiles (spec: rules.md, "Identity"): `anonymousId → userId`
 * from any event with both, `previousId → userId` from an `alias` (`previousProfiles`: the
 * anonymous visitor, or a server's previous user and anonymous visitor). One per pair, at its
 * earliest time, earliest first, so within a batch the earliest link of an id wins, as in the
 * engine. Profile names keep the two id spaces apart.
 */
export function identityLinks(events: readonly PreparedEvent[]): IdentityLink[] {
  const links = new Map<string, IdentityLink>()
  const add = (from: string, to: string, at: number) => {
    if (from === to) return
    const key = `${from}\0${to}`
    const known = links.get(key)
    if (!known || at < known.at) links.set(key, { from, to, at })
  }
  for (const { event, ts } of events) {
    const { userId, anonymousId, previousId } = event
    if (!isId(userId)) continue
    const to = userProfile(userId)
    if (isId(anonymousId)) add(anonymousProfile(anonymousId), to, ts)
    if (event.type === 'alias' && isId(previousId))
      for (const from of previousProfiles(previousId, anonymousId)) add(from, to, ts)
  }
  return [...links.values()].sort((a, b) => a.at - b.at)
}

const isId = (value: unknown): value is string => typeof value === 'string' && value !== ''
