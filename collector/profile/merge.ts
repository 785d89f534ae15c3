import type { ProfileState, Rules, StateOptions, StateSnapshot } from '../../rules/index.ts'
import type { StoredEvent } from './event-store.ts'
import type { ProfileStore } from './store.ts'

/** What a merged profile hands to the profile it joins, after its events (in pages). */
export interface MergePayload {
  /** How many events the merged profile holds: all of them are staged before the merge. */
  events: number
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

/** A page of a merged profile's events; `next` is where the next page starts (`null`: the last). */
export interface MergeEventsPage {
  events: StoredEvent[]
  next: number | null
}

/**
 * A page of a merged profile's events holds at most this many, and this many characters of event
 * JSON past its first event (at most 6 MB of UTF-8, far inside the 32 MiB of one RPC call): a
 * profile of 10,000 events of 32 KB (320 MB) moves in 160 pages, one of small events in 10.
 */
export const MERGE_PAGE_EVENTS = 1000
export const MERGE_PAGE_CHARS = 2_000_000

/**
 * Stages every event of the merged profile `source` in its target, page by page (`stage` sends one
 * page to the target). Pages sent again (a merge retried) change nothing.
 */
export async function stageMergeEvents(
  source: { mergeEvents(after: number): Promise<MergeEventsPage | null> },
  stage: (events: StoredEvent[]) => Promise<unknown>,
): Promise<void> {
  for (let after: number | null = 0; after !== null;) {
    const page = await source.mergeEvents(after)
    if (!page) return
    if (page.events.length) await stage(page.events)
    after = page.next
  }
}

/**
 * Folds a merged profile's data into `state` and `store` (inside the target's transaction): its
 * staged events are moved into the event store, and its engine state is merged into `state`, so
 * nothing is counted twice. The other state is its snapshot (which also counts events past
 * retention) unless some of its events are already here (a retry that reached this profile through
 * the forward while the merge was under way): then it is rebuilt from the events this profile
 * lacks. Throws when not every event was staged here (the target changed between pages): the merge
 * is then started over by the next request that meets the forward.
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
  const { staged, known } = store.merging.count(from)
  if (staged < payload.events)
    throw new Error(
      `merging ${from}: ${staged} of its ${payload.events} events reached this profile, the merge starts over`,
    )
  let other: ProfileState | undefined
  if (payload.snapshot && known === 0) {
    try {
      other = rules.restore(payload.snapshot.snapshot, options)
    } catch (error) {
      console.warn('tagwise: merging a profile from its events, its snapshot is unreadable:', error)
    }
  }
  if (!other) {
    other = rules.createState(options)
    for (const event of store.merging.fresh(from)) other.ingest(event, now)
  }
  state.merge(other)
  store.merging.moveToEvents(from)
  for (const alias of [from, ...payload.aliases]) store.addAlias(alias, now)
  store.events.prune(now)
}
