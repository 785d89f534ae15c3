import type { PreparedEvent } from './prepare-event.ts'

/** An identity link: profile `from` joins profile `to`, as seen on an event at `at` (epoch ms). */
export interface IdentityLink {
  from: string
  to: string
  at: number
}

/**
 * The links a batch carries (spec: rules.md, "Identity"): `anonymousId → userId` from any event with
 * both, `previousId → userId` from an `alias`. One per pair, at its earliest time, earliest first,
 * so within a batch the earliest link of an id wins, as in the engine.
 */
export function identityLinks(events: readonly PreparedEvent[]): IdentityLink[] {
  const links = new Map<string, IdentityLink>()
  const add = (from: unknown, to: unknown, at: number) => {
    if (typeof from !== 'string' || typeof to !== 'string' || !from || !to || from === to) return
    const key = `${from}\0${to}`
    const known = links.get(key)
    if (!known || at < known.at) links.set(key, { from, to, at })
  }
  for (const { event, ts } of events) {
    add(event.anonymousId, event.userId, ts)
    if (event.type === 'alias') add(event.previousId, event.userId, ts)
  }
  return [...links.values()].sort((a, b) => a.at - b.at)
}
