import type { StateSnapshot } from '../../rules/index.ts'
import type { StoredEvent } from './store.ts'

/** A profile's answer once it was merged into another: ask `forwardedTo` instead. */
export interface Forwarded {
  forwardedTo: string
  /** True while the target does not hold this profile's data yet (finish the merge first). */
  pending: boolean
}

/** A profile method's answer: its `value`, or where the profile went. */
export type Routed<T> = { value: T } | Forwarded

/** What a merged profile hands to the profile it joins. */
export interface MergePayload {
  events: StoredEvent[]
  /** The engine state, which also counts events past the retention period. */
  snapshot: { rulesVersion: string; snapshot: StateSnapshot } | null
  /** Ids merged into the profile before. */
  aliases: string[]
}
