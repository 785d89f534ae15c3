import type { ProfileState, StateOptions } from '../../rules/index.ts'
import type { ActiveRules } from '../rules/active-rules.ts'
import type { ProfileStore } from './store.ts'
import { MAX_PENDING_JSON, MAX_SNAPSHOT_BYTES } from '../limits.ts'

/**
 * The event store deduplicates by `messageId`, so the engine state need not remember ids; events
 * waiting for their timestamp are bounded, as they live in the checkpoint row.
 */
export const STATE_OPTIONS: StateOptions = { maxMessageIds: 0, maxPendingSize: MAX_PENDING_JSON }

/** The engine state in memory. */
export interface LiveState {
  version: string
  state: ProfileState
  /** Events counted since the last checkpoint (infinite: none was saved under `version`). */
  unsaved: number
}

/**
 * The engine state for the active rules at `now`, restored from the checkpoint with the events
 * stored after it replayed (those dated after `now` wait, as when they arrived). A checkpoint saved
 * under other rules is saved again on the next commit.
 */
export function restoreState(store: ProfileStore, active: ActiveRules, now: number): LiveState {
  const saved = store.snapshot()
  let state: ProfileState
  let unsaved = 0
  try {
    state = saved
      ? active.rules.restore(saved.snapshot, STATE_OPTIONS)
      : active.rules.createState(STATE_OPTIONS)
    for (const event of store.events.after(saved?.upTo ?? 0)) {
      state.ingest(event, now)
      unsaved++
    }
  } catch (error) {
    // An unreadable snapshot is rebuilt from the stored events rather than lost.
    console.warn('tagwise: rebuilding a profile state from its events:', error)
    state = active.rules.createState(STATE_OPTIONS)
    for (const event of store.events.byTime()) state.ingest(event, now)
    unsaved = Infinity
  }
  if (saved?.rulesVersion !== active.version) unsaved = Infinity
  return { version: active.version, state, unsaved }
}

/**
 * Saves the state (inside a transaction): a checkpoint that counts every stored event. A state
 * over the snapshot bound is not saved (logged): the profile then restores from its events.
 */
export function checkpoint(store: ProfileStore, live: LiveState): void {
  if (!store.saveSnapshot(live.version, live.state.snapshot()))
    console.warn(
      `tagwise: profile ${JSON.stringify(store.profileId())}: its state is over ${MAX_SNAPSHOT_BYTES} bytes, no checkpoint kept (it restores from its stored events)`,
    )
  // Tried again after CHECKPOINT_EVENTS more events, not with every batch.
  live.unsaved = 0
}
