// What `tagwise fit` learns to predict (`--label`): a JsonLogic expression over a profile's data at
// `now`, or whether the profile does an event in the `--horizon` after `now` (a propensity).
import { compileLogic, formatProblem, validateLogic, type ParsedEvent } from '../../rules/index.ts'
import { usageError } from '../usage.ts'

export type Label =
  /** Truthy `evaluate({ metrics, tags, traits, now })`. */
  | { kind: 'logic'; text: string; evaluate: (data: unknown) => unknown }
  /** A track event named `event` in `(now, now + horizonMs]`. */
  | { kind: 'event'; event: string; horizon: string; horizonMs: number }

const DURATION = /^([1-9]\d{0,6})([mhd])$/
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `--label` and `--horizon` as a label; usage errors for what cannot be one. */
export function parseLabel(text: string, horizon: string | undefined): Label {
  if (text.startsWith('event:')) {
    const event = eventName(text.slice('event:'.length))
    if (horizon === undefined)
      throw usageError(
        `--label ${text} needs --horizon, like 30d: the time after --now it looks at`,
      )
    const match = DURATION.exec(horizon)
    if (match === null)
      throw usageError(`--horizon must be a duration like 45m, 12h or 30d (got "${horizon}")`)
    const horizonMs = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
    return { kind: 'event', event, horizon, horizonMs }
  }
  if (horizon !== undefined)
    throw usageError('--horizon goes with an event label (--label event:"Order Completed")')
  let rule: unknown
  try {
    rule = JSON.parse(text)
  } catch {
    throw usageError(
      `--label must be a JsonLogic expression, like {"var":"traits.segment_business"}, or event:"Event Name" (got ${text})`,
    )
  }
  const problems = validateLogic(rule, 'label')
  if (problems.length > 0) throw usageError(`--${problems.map(formatProblem).join('; ')}`)
  return { kind: 'logic', text, evaluate: compileLogic(rule) }
}

/** `"Order Completed"` (a JSON string) or `Order Completed` as it is. */
function eventName(text: string): string {
  let name: unknown = text
  if (text.startsWith('"')) {
    try {
      name = JSON.parse(text)
    } catch {
      throw usageError(`--label event:${text}: the event name is not a JSON string`)
    }
  }
  if (typeof name !== 'string' || name === '')
    throw usageError('--label event: needs an event name, like event:"Order Completed"')
  return name
}

/** Whether `event` is the outcome of an event label, done at a time the label looks at. */
export function isOutcome(label: Label & { kind: 'event' }, event: ParsedEvent, now: number) {
  return (
    event.raw.type === 'track' &&
    event.raw.event === label.event &&
    event.ts > now &&
    event.ts <= now + label.horizonMs
  )
}

/** The label in words, for the report. */
export function describeLabel(label: Label): string {
  return label.kind === 'event'
    ? `the event "${label.event}" in (now, now + ${label.horizon}]`
    : `${label.text} is truthy`
}
