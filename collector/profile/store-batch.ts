import type { ProfileState } from '../../rules/index.ts'
import type { PreparedEvent } from '../ingest/prepare-event.ts'
import type { EventStore } from './event-store.ts'

/** What a profile's share of a batch came to (positions index the events it was given). */
export interface BatchCount {
  accepted: number
  duplicates: number
  rejected: { position: number; error: string }[]
  /** An `identify` was counted: the traits changed. */
  identified: boolean
}

/**
 * Stores a batch's new events and counts them into `state` (inside the profile's transaction).
 * The events table finds the duplicates (one statement per 25 events stores the new ones and
 * tells which they are); an event the engine does not count is not kept either, so a replay of
 * the stored events counts exactly what `state` counted.
 */
export function storeBatch(
  events: EventStore,
  state: ProfileState,
  batch: readonly PreparedEvent[],
  receivedAt: number,
): BatchCount {
  const count: BatchCount = { accepted: 0, duplicates: 0, rejected: [], identified: false }
  const fresh = events.insertNew(
    batch.map(({ messageId, ts, event }) => ({ messageId, ts, receivedAt, event })),
  )
  const uncounted: string[] = []
  batch.forEach(({ messageId, event }, position) => {
    // A second event with the same id in the batch is a duplicate too.
    if (!fresh.delete(messageId)) return void count.duplicates++
    // An event dated after `receivedAt` is pending: stored, and counted from its timestamp on.
    const ingested = state.ingest(event, receivedAt)
    if (ingested.status !== 'counted' && ingested.status !== 'pending') uncounted.push(messageId)
    if (ingested.status === 'rejected')
      return void count.rejected.push({ position, error: ingested.error })
    if (ingested.status === 'duplicate') return void count.duplicates++
    if (event.type === 'identify') count.identified = true
    count.accepted++
  })
  events.remove(uncounted)
  return count
}
