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

/**
 * `links` (earliest first) split into groups that share no profile, each group earliest first: a
 * group's links must apply one after another (a later one may follow a forward an earlier one
 * set), while groups may apply side by side. A server's batch of 500 identifies, each of its own
 * visitor and user, is 500 groups of one link.
 */
export function linkGroups(links: readonly IdentityLink[]): IdentityLink[][] {
  // Union-find over the profiles the links name: each id leads to its group's root.
  const up = new Map<string, string>()
  const root = (id: string): string => {
    let top = id
    for (let next = up.get(top); next !== undefined && next !== top; next = up.get(top)) top = next
    for (let node = id; node !== top;) {
      const next = up.get(node)!
      up.set(node, top)
      node = next
    }
    return top
  }
  for (const { from, to } of links) {
    const [a, b] = [root(from), root(to)]
    if (a !== b) up.set(a, b)
  }
  const groups = new Map<string, IdentityLink[]>()
  for (const link of links) {
    const key = root(link.from)
    const group = groups.get(key)
    if (group) group.push(link)
    else groups.set(key, [link])
  }
  return [...groups.values()]
}
