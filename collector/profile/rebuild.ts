import type { ProfileState, Rules, StateOptions } from '../../rules/index.ts'
import type { ProfileStore } from './store.ts'

/**
 * A fresh engine state for `rules`, built from the profile's stored events (inside the profile's
 * transaction): events past the retention period are dropped first, the rest are replayed in
 * timestamp order, exactly as `tagwise eval` counts a profile's events (those dated after `now` wait
 * for their time). After an identity merge the
 * profile's event store holds the absorbed profiles' events too (`absorbProfile` moves them,
 * deduplicated by `messageId`), so each is counted once. What the snapshot counted from events
 * past retention is not in the table and is lost by a rebuild, by design.
 */
export function rebuildState(
  store: ProfileStore,
  rules: Rules,
  options: StateOptions,
  now: number,
): ProfileState {
  store.events.prune(now)
  return replay(store.events.byTime(), rules, options, now)
}

/**
 * The state {@link rebuildState} would build, read-only: the events a prune would keep are
 * replayed without pruning, so nothing is written (a rules preview).
 */
export function rebuiltStateReadOnly(
  store: ProfileStore,
  rules: Rules,
  options: StateOptions,
  now: number,
): ProfileState {
  return replay(store.events.retainedByTime(now), rules, options, now)
}

function replay(
  events: Iterable<unknown>,
  rules: Rules,
  options: StateOptions,
  now: number,
): ProfileState {
  const state = rules.createState(options)
  for (const event of events) state.ingest(event, now)
  return state
}
