import type { ProfileState } from '../../rules/index.ts'
import type { PreparedEvent } from '../ingest/prepare-event.ts'
import type { EventStore, NewEvent } from './event-store.ts'

/** What a profile's share of a batch came to (positions index the events it was given). */
export interface BatchCount {
  accepted: number
  duplicates: number
  rejected: { position: number; error: string }[]
  /** An `identify` was counted: the traits changed. */
  identified: boolean
}

/**
 * Counts a batch's new events into `state` and stores those it counted (inside the profile's
 * transaction): the event store knows the stored ids (in memory), so the duplicates are found
 * before anything is written, and the batch is stored as one row. An event the engine does not
 * count is not kept, so a replay of the stored events counts exactly what `state` counted.
 */
export function storeBatch(
  events: EventStore,
  state: ProfileState,
  batch: readonly PreparedEvent[],
  receivedAt: number,
): BatchCount {
  const count: BatchCount = { accepted: 0, duplicates: 0, rejected: [], identified: false }
  const known = events.knownIds(batch.map(({ messageId }) => messageId))
  const kept: NewEvent[] = []
  batch.forEach(({ messageId, ts, event }, position) => {
    // A second event with the same id in the batch is a duplicate too.
    if (known.has(messageId)) return void count.duplicates++
    known.add(messageId)
    // An event dated after `receivedAt` is pending: stored, and counted from its timestamp on.
    const ingested = state.ingest(event, receivedAt)
    if (ingested.status === 'counted' || ingested.status === 'pending')
      kept.push({ messageId, ts, receivedAt, event })
    if (ingested.status === 'rejected')
      return void count.rejected.push({ position, error: ingested.error })
    if (ingested.status === 'duplicate') return void count.duplicates++
    if (event.type === 'identify') count.identified = true
    count.accepted++
  })
  events.add(kept)
  return count
}
