import type { ProfileState, Rules, StateOptions, StateSnapshot } from '../../rules/index.ts'
import type { StoredEvent } from './event-store.ts'
import type { ProfileStore } from './store.ts'

/** What a merged profile hands to the profile it joins. */
export interface MergePayload {
  events: StoredEvent[]
  /** The engine state, which also counts events past the retention period. */
  snapshot: { rulesVersion: string; snapshot: StateSnapshot } | null
  /** Ids merged into the profile before. */
  aliases: string[]
  /**
   * Event time (epoch ms) of the link that merged the profile: a target erased after it does not
   * take the data in but erases it (`ErasureMark`).
   */
  linkedAt?: number
}

/**
 * Folds a merged profile's data into `state` and `store` (inside the target's transaction): the
 * events are stored here, and the other profile's engine state is merged into `state`, so nothing
 * is counted twice. The other state is its snapshot (which also counts events past retention)
 * unless some of its events are already here (a retry that reached this profile through the
 * forward while the merge was under way): then it is rebuilt from the events this profile lacks.
 */
export function absorbProfile(
  store: ProfileStore,
  state: ProfileState,
  rules: Rules,
  options: StateOptions,
  from: string,
  payload: MergePayload,
  now: number,
): void {
  const known = store.events.knownIds(payload.events.map((stored) => stored.messageId))
  const fresh = payload.events.filter((stored) => !known.has(stored.messageId))
  let other: ProfileState | undefined
  if (payload.snapshot && fresh.length === payload.events.length) {
    try {
      other = rules.restore(payload.snapshot.snapshot, options)
    } catch (error) {
      console.warn('tagwise: merging a profile from its events, its snapshot is unreadable:', error)
    }
  }
  if (!other) {
    other = rules.createState(options)
    for (const stored of fresh) other.ingest(stored.event, now)
  }
  state.merge(other)
  store.events.add(fresh)
  for (const alias of [from, ...payload.aliases]) store.addAlias(alias, now)
  store.events.prune(now)
}
