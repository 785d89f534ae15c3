// What `tagwise eval` computes for a stream of events: an identity graph over all of them
// (merges included), then one engine state per profile key, fed in input order.
import {
  IdentityGraph,
  type IngestResult,
  type ProfileState,
  type Rules,
} from '../../rules/index.ts'

/** Each profile key's state after `events`, as the CLI builds it; `ingested` sees each result. */
export function profileStates(
  rules: Rules,
  events: readonly Record<string, unknown>[],
  ingested: (result: IngestResult) => void = () => {},
): Map<string, ProfileState> {
  const graph = new IdentityGraph()
  events.forEach((event, n) => graph.addEvent(event, Date.parse(event.timestamp as string), n))
  const states = new Map<string, ProfileState>()
  for (const event of events) {
    const key = graph.profileKeyOf(event)
    let state = states.get(key)
    if (!state) states.set(key, (state = rules.createState({ maxMessageIds: Infinity })))
    ingested(state.ingest(event))
  }
  return states
}
