/** A webhook receiver: each change is POSTed as JSON, signed per Standard Webhooks. */
export interface WebhookDestination {
  type: 'webhook'
  /** Names the destination in the delivery log; defaults to the URL. */
  id: string
  url: string
  /** `whsec_<base64 key>`, the Standard Webhooks secret format. */
  secret: string
  /** How long a request may take before it counts as failed (and is retried). */
  timeoutMs: number
}

/** A Segment-compatible HTTP API (Segment, RudderStack, Jitsu, another tagwise collector). */
export interface SegmentDestination {
  type: 'segment'
  id: string
  /** Base URL; batches go to `<endpoint>/v1/batch`. */
  endpoint: string
  writeKey: string
  /** Prepended to each tag name in `traits`. @default "" */
  traitPrefix: string
  /** How long a request may take before it counts as failed (and is retried). */
  timeoutMs: number
}

/**
 * How long a destination's request may take by default (`timeoutSeconds` sets it, 1 to 60): as
 * long as Close's and Calendly's webhooks wait. Without a bound, a receiver that accepted the
 * connection and never answered held the consumer until the platform ended the invocation, and
 * every delivery of the batch, to every destination, was sent again.
 */
export const DEFAULT_TIMEOUT_SECONDS = 15

export type Destination = WebhookDestination | SegmentDestination

/**
 * Reads the `DESTINATIONS` var: a JSON array such as
 * `[{"type":"webhook","url":"https://…","secret":"env:WEBHOOK_SECRET"},
 *   {"type":"segment","endpoint":"https://api.segment.io","writeKey":"env:SEGMENT_WRITE_KEY","traitPrefix":"tw_"}]`;
 * either may set `timeoutSeconds` (1 to 60, default 15).
 * A string value `env:NAME` is read from the Worker's vars/secrets, so secrets stay out of
 * `wrangler.toml`. Throws an error naming the field that is wrong.
 */
export function readDestinations(
  raw: string | undefined,
  env: Record<string, unknown>,
): Destination[] {
  if (raw === undefined || raw.trim() === '') return []
  let list: unknown
  try {
    list = JSON.parse(raw)
  } catch {
    throw new Error('DESTINATIONS must be a JSON array of destinations')
  }
  if (!Array.isArray(list)) throw new Error('DESTINATIONS must be a JSON array of destinations')
  return list.map((item: unknown, i) => {
    const at = `DESTINATIONS[${i}]`
    if (typeof item !== 'object' || item === null) throw new Error(`${at} must be an object`)
    const d = item as Record<string, unknown>
    const text = (field: string, fallback?: string): string => {
      let value: unknown = d[field] ?? fallback
      if (typeof value === 'string' && value.startsWith('env:')) {
        const name = value.slice(4)
        value = env[name]
        if (typeof value !== 'string' || !value)
          throw new Error(`${at}.${field} refers to ${name}, which is not set (a var or secret)`)
      }
      if (typeof value !== 'string') throw new Error(`${at}.${field} must be a string`)
      return value
    }
    const timeoutMs = () => {
      const seconds = d.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS
      if (typeof seconds !== 'number' || !(seconds >= 1 && seconds <= 60))
        throw new Error(`${at}.timeoutSeconds must be a number of seconds from 1 to 60`)
      return seconds * 1000
    }
    const url = (field: string) => {
      const value = text(field)
      if (!/^https?:\/\//.test(value)) throw new Error(`${at}.${field} must be an http(s) URL`)
      return value.replace(/\/+$/, '')
    }
    if (d.type === 'webhook') {
      const secret = text('secret')
      if (!secret.startsWith('whsec_'))
        throw new Error(`${at}.secret must be a Standard Webhooks secret: "whsec_" + base64`)
      const target = url('url')
      return {
        type: 'webhook',
        id: text('id', target),
        url: target,
        secret,
        timeoutMs: timeoutMs(),
      }
    }
    if (d.type === 'segment') {
      const endpoint = url('endpoint')
      return {
        type: 'segment',
        id: text('id', endpoint),
        endpoint,
        writeKey: text('writeKey'),
        traitPrefix: text('traitPrefix', ''),
        timeoutMs: timeoutMs(),
      }
    }
    throw new Error(`${at}.type must be "webhook" or "segment"`)
  })
}
