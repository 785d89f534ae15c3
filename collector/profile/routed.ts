/** A profile's answer once it was merged into another: ask `forwardedTo` instead. */
export interface Forwarded {
  forwardedTo: string
  /** Event time (epoch ms) of the link that set the forward: a loop is broken at its latest. */
  at: number
  /** True while the target does not hold this profile's data yet (finish the merge first). */
  pending: boolean
}

/** A profile method's answer: its `value`, or where the profile went. */
export type Routed<T> = { value: T } | Forwarded
