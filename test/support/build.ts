import { compileRules, type ProfileState, type RulesDocument } from '../../rules/index.ts'

/** Epoch ms of a time on 2026-01-10 (UTC), e.g. `at('12:00:30')`, or of a full ISO string. */
export const at = (time: string): number =>
  Date.parse(time.includes('T') ? time : `2026-01-10T${time}Z`)

const MINUTE = 60_000

let counter = 0
/** A good event for profile `a1` at `time` (see {@link at}), with a unique messageId. */
export function event(
  time: string | number,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  const ts = typeof time === 'number' ? time : at(time)
  return {
    type: 'track',
    anonymousId: 'a1',
    messageId: `m${++counter}`,
    timestamp: new Date(ts).toISOString(),
    ...fields,
  }
}

/** A page view of `path`. */
export const page = (time: string | number, path: string, fields: Record<string, unknown> = {}) =>
  event(time, { type: 'page', context: { page: { path } }, ...fields })

/** A `Page Left` of `path`, with `dwell_ms` when given. */
export const left = (time: string | number, path: string, dwellMs?: unknown) =>
  event(time, {
    event: 'Page Left',
    properties: { path, ...(dwellMs === undefined ? {} : { dwell_ms: dwellMs }) },
  })

/** A track event named `name` with `properties`. */
export const track = (
  time: string | number,
  name: string,
  properties: Record<string, unknown> = {},
) => event(time, { event: name, properties })

/** A minimal valid document with these metrics and tags. */
export function doc(
  metrics: Record<string, unknown>,
  tags: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): RulesDocument {
  return { version: 1, metrics, tags, ...extra } as RulesDocument
}

/** Compiles `document`, ingests `events` in order and returns the state. */
export function run(document: unknown, events: unknown[]): ProfileState {
  const state = compileRules(document).createState({ maxMessageIds: Infinity })
  for (const e of events) {
    const result = state.ingest(e)
    if (result.status === 'rejected') throw new Error(`test event rejected: ${result.error}`)
  }
  return state
}

/** Metrics at `now` for a document of one metric `m`. */
export function metric(def: Record<string, unknown>, events: unknown[], now: string | number) {
  const t = typeof now === 'number' ? now : at(now)
  return run(doc({ m: def }), events).evaluate(t).metrics.m
}

export { MINUTE }
