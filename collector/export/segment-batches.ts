import { parseProfileName } from '../../rules/index.ts'
import { tagKey } from './latest-values.ts'
import type { ExportMessage } from './message.ts'

// What a Segment-compatible API takes. Segment's HTTP Tracking API: 500 KB a batch request and
// 32 KB an event, else `400` for the whole request
// (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/). A tagwise
// collector: a body of 500 KiB (`413`), an event of 32 KiB (rejected alone in a `200`, which the
// consumer cannot tell from a success), 2,500 events and 500 profiles a batch. The smaller of
// each, 1 KB counted as 1,000 bytes.

/** Largest request body, in UTF-8 bytes. */
export const SEGMENT_REQUEST_BYTES = 500_000
/** Largest event of a request, in UTF-8 bytes of its JSON. */
export const SEGMENT_EVENT_BYTES = 32_000
/** Most events a request carries (each identify names one profile: 500 profiles at most). */
export const SEGMENT_REQUEST_EVENTS = 500

/**
 * An `identify` ready to send (or another event: `segment-links.ts`), with the positions of the
 * messages it carries.
 */
export interface SegmentIdentify {
  event: Record<string, unknown>
  bytes: number
  positions: number[]
}

const encoder = new TextEncoder()
export const jsonBytes = (value: unknown) => encoder.encode(JSON.stringify(value)).byteLength

const hex = (bytes: ArrayBuffer) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')

/**
 * The messageId of an identify carrying these change ids: the same changes give the same id on
 * every retry, so the receiver deduplicates.
 */
export async function messageIdOf(ids: readonly string[]): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(ids.join(',')))
  return `tw-${hex(digest).slice(0, 32)}`
}
/** What a messageId takes (`tw-` and 32 hex digits), to size an identify before it has one. */
const MESSAGE_ID_PLACEHOLDER = `tw-${'0'.repeat(32)}`

/** A profile as Segment names people: a user by `userId`, an anonymous visitor by `anonymousId`. */
export function segmentIdentity(profile: string): { userId: string } | { anonymousId: string } {
  const { space, id } = parseProfileName(profile)
  return space === 'user' ? { userId: id } : { anonymousId: id }
}

/** A profile's changed tags in a batch: each tag's latest value and the changes that set it. */
interface ProfileTraits {
  traits: Map<string, { tag: string; value: unknown; at: number; positions: number[] }>
}

/**
 * The identifies of `messages` (tag changes; other messages have none): one per profile with each
 * changed tag as a trait (`traitPrefix` + tag; a removed tag is `null`), in the order profiles
 * first appear, so that the receiver's state ends as the profile's. A trait's value is the tag's
 * value in `latest` (`latestValues`: the latest logged by time, so a change that comes late
 * after a retry does not set the trait back), else its latest change in the batch by time. A profile whose traits would make an identify over `SEGMENT_EVENT_BYTES` gets as
 * many identifies as they need, each with a share of the traits (a receiver merges traits).
 * A trait too large for an identify of its own can never be taken: it is left out, logged
 * (its messages are in `unsendable`, neither delivered nor retried).
 */
export async function segmentIdentifies(
  traitPrefix: string,
  messages: readonly ExportMessage[],
  latest: ReadonlyMap<string, unknown> = new Map(),
): Promise<{ identifies: SegmentIdentify[]; unsendable: number[] }> {
  const byProfile = new Map<string, ProfileTraits>()
  messages.forEach((message, position) => {
    if (message.type !== 'tag.changed') return
    const { profile, tag, to, at } = message.change
    const entry = byProfile.get(profile) ?? { traits: new Map() }
    const trait = entry.traits.get(`${traitPrefix}${tag}`)
    if (!trait)
      entry.traits.set(`${traitPrefix}${tag}`, { tag, value: to, at, positions: [position] })
    else {
      if (at >= trait.at) Object.assign(trait, { value: to, at })
      trait.positions.push(position)
    }
    byProfile.set(profile, entry)
  })
  for (const [profile, { traits }] of byProfile)
    for (const trait of traits.values()) {
      const key = tagKey(profile, trait.tag)
      if (latest.has(key)) trait.value = latest.get(key)
    }
  const identifies: SegmentIdentify[] = []
  const unsendable: number[] = []
  for (const [profile, { traits }] of byProfile) {
    const eventOf = (share: Record<string, unknown>, at: number, messageId: string) => ({
      type: 'identify',
      ...segmentIdentity(profile),
      traits: share,
      timestamp: new Date(at).toISOString(),
      messageId,
      context: { library: { name: 'tagwise-export' } },
    })
    // The date is as long whatever it is: the empty identify's size counts every part but traits.
    const emptyBytes = jsonBytes(eventOf({}, 0, MESSAGE_ID_PLACEHOLDER))
    let share: [string, { value: unknown; positions: number[] }][] = []
    let bytes = emptyBytes
    const close = async () => {
      if (!share.length) return
      const positions = share.flatMap(([, trait]) => trait.positions).sort((a, b) => a - b)
      const ids = positions.map((position) => changeOf(messages[position]!).id)
      const at = Math.max(...positions.map((position) => changeOf(messages[position]!).at))
      const event = eventOf(
        Object.fromEntries(share.map(([key, trait]) => [key, trait.value])),
        at,
        await messageIdOf(ids),
      )
      identifies.push({ event, bytes: jsonBytes(event), positions })
      share = []
      bytes = emptyBytes
    }
    for (const entry of traits) {
      const [key, trait] = entry
      // `"key":value` and the comma before the next one.
      const traitBytes = jsonBytes(key) + 1 + jsonBytes(trait.value) + 1
      if (emptyBytes + traitBytes > SEGMENT_EVENT_BYTES) {
        console.warn(
          `tagwise: trait ${key} of ${profile} takes ${traitBytes} bytes, over the ${SEGMENT_EVENT_BYTES} of an event a Segment-compatible API takes: not sent there`,
        )
        unsendable.push(...trait.positions)
        continue
      }
      if (bytes + traitBytes > SEGMENT_EVENT_BYTES) await close()
      share.push(entry)
      bytes += traitBytes
    }
    await close()
  }
  return { identifies, unsendable }
}

/** The change of a message known to be one. */
function changeOf(message: ExportMessage) {
  if (message.type !== 'tag.changed') throw new TypeError('not a tag change')
  return message.change
}

/**
 * Splits identifies, in order, into the fewest consecutive request bodies within
 * `SEGMENT_REQUEST_BYTES` and `SEGMENT_REQUEST_EVENTS`; `wrapperBytes` is what a body takes
 * besides its events (`{"batch":[],"sentAt":"…"}`).
 */
export function segmentRequests(
  identifies: readonly SegmentIdentify[],
  wrapperBytes: number,
): SegmentIdentify[][] {
  const requests: SegmentIdentify[][] = []
  let request: SegmentIdentify[] = []
  let bytes = wrapperBytes
  for (const identify of identifies) {
    // Each event but the first adds a comma.
    const added = identify.bytes + (request.length ? 1 : 0)
    if (
      request.length &&
      (request.length === SEGMENT_REQUEST_EVENTS || bytes + added > SEGMENT_REQUEST_BYTES)
    ) {
      requests.push(request)
      request = []
      bytes = wrapperBytes
    }
    bytes += identify.bytes + (request.length ? 1 : 0)
    request.push(identify)
  }
  if (request.length) requests.push(request)
  return requests
}
