import { parseProfileName } from '../../rules/index.ts'
import type { Destination, SegmentDestination, WebhookDestination } from './destinations.ts'
import { exportId, exportProfile, type ExportMessage } from './message.ts'
import { signWebhook } from './webhook-signature.ts'

/** Delivery log rows kept this long (well past the queue's last retry). */
const DELIVERIES_KEPT_MS = 7 * 86_400_000
/** Bound parameters per D1 statement stay under D1's 100. */
const IDS_PER_QUERY = 90

/** The webhook body of one message (documented in collector/README.md, "Export"). */
export function webhookPayload(message: ExportMessage, now: number): string {
  const timestamp = new Date(now).toISOString()
  if (message.type === 'tag.changed') {
    const { id: _id, at, ...change } = message.change
    return JSON.stringify({
      type: 'tag.changed',
      timestamp,
      data: { ...change, at: new Date(at).toISOString() },
    })
  }
  const { profile, at } = message.deletion
  return JSON.stringify({
    type: 'profile.deleted',
    timestamp,
    data: { profile, at: new Date(at).toISOString() },
  })
}

async function postWebhook(d: WebhookDestination, message: ExportMessage, now: number) {
  const id = exportId(message)
  const body = webhookPayload(message, now)
  const timestamp = Math.floor(now / 1000)
  const response = await fetch(d.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': await signWebhook(d.secret, id, timestamp, body),
    },
    body,
  })
  await response.body?.cancel()
  return response.ok
}

const hex = (bytes: ArrayBuffer) =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')

/** A profile as Segment names people: a user by `userId`, an anonymous visitor by `anonymousId`. */
function segmentIdentity(profile: string): { userId: string } | { anonymousId: string } {
  const { space, id } = parseProfileName(profile)
  return space === 'user' ? { userId: id } : { anonymousId: id }
}

/** One Segment `identify` per profile with its changed tags as traits, all in one batch call. */
async function postSegment(d: SegmentDestination, messages: ExportMessage[], now: number) {
  const byProfile = new Map<
    string,
    { ids: string[]; traits: Record<string, unknown>; at: number }
  >()
  for (const message of messages) {
    if (message.type !== 'tag.changed') continue
    const { profile, tag, to, at, id } = message.change
    const entry = byProfile.get(profile) ?? { ids: [], traits: {}, at }
    entry.ids.push(id)
    entry.traits[`${d.traitPrefix}${tag}`] = to
    entry.at = Math.max(entry.at, at)
    byProfile.set(profile, entry)
  }
  if (!byProfile.size) return true
  const batch = await Promise.all(
    [...byProfile].map(async ([profile, { ids, traits, at }]) => ({
      type: 'identify',
      ...segmentIdentity(profile),
      traits,
      timestamp: new Date(at).toISOString(),
      // The same changes give the same id on every retry: the receiver deduplicates.
      messageId: `tw-${hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(ids.join(',')))).slice(0, 32)}`,
      context: { library: { name: 'tagwise-export' } },
    })),
  )
  const response = await fetch(`${d.endpoint}/v1/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${btoa(`${d.writeKey}:`)}`,
    },
    body: JSON.stringify({ batch, sentAt: new Date(now).toISOString() }),
  })
  await response.body?.cancel()
  return response.ok
}

/**
 * Delivers a queue batch to every destination and returns the positions of the messages that must
 * be retried. A message is delivered to a destination at most once per success: deliveries are
 * logged in D1 (`deliveries`), so a retry caused by one destination skips those that took it.
 * Order per profile holds for each receiver: after a profile's message fails at a destination, its
 * later messages of the batch are not sent there (they are retried with it, in order). Webhooks:
 * one request per message, profiles in parallel. Segment-compatible: one batch call per destination
 * (an `identify` per profile); a profile deletion is not sent there (Segment-compatible APIs erase
 * through their own deletion APIs).
 */
export async function deliverExport(
  db: D1Database,
  destinations: readonly Destination[],
  messages: readonly ExportMessage[],
  now: number,
): Promise<Set<number>> {
  const retry = new Set<number>()
  if (!destinations.length || !messages.length) return retry
  const ids = messages.map(exportId)
  const done = new Set<string>()
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const chunk = ids.slice(i, i + IDS_PER_QUERY)
    const { results } = await db
      .prepare(
        `SELECT destination, change_id FROM deliveries WHERE change_id IN (${chunk.map(() => '?').join(',')})`,
      )
      .bind(...chunk)
      .all<{ destination: string; change_id: string }>()
    for (const row of results) done.add(`${row.destination}\n${row.change_id}`)
  }
  const delivered: [string, string][] = []
  const pending = (d: Destination) =>
    messages.map((_, i) => i).filter((i) => !done.has(`${d.id}\n${ids[i]}`))

  await Promise.all(
    destinations.map(async (d) => {
      const todo = pending(d)
      if (d.type === 'segment') {
        const ok = await postSegment(
          d,
          todo.map((i) => messages[i]!),
          now,
        ).catch(() => false)
        if (ok) for (const i of todo) delivered.push([d.id, ids[i]!])
        else for (const i of todo) retry.add(i)
        return
      }
      const byProfile = new Map<string, number[]>()
      for (const i of todo) {
        const profile = exportProfile(messages[i]!)
        byProfile.set(profile, [...(byProfile.get(profile) ?? []), i])
      }
      await Promise.all(
        [...byProfile.values()].map(async (positions) => {
          let blocked = false
          for (const i of positions) {
            if (blocked) {
              retry.add(i)
              continue
            }
            const ok = await postWebhook(d, messages[i]!, now).catch(() => false)
            if (ok) delivered.push([d.id, ids[i]!])
            else {
              blocked = true
              retry.add(i)
            }
          }
        }),
      )
    }),
  )
  await db.batch([
    ...delivered.map(([destination, id]) =>
      db
        .prepare(
          `INSERT INTO deliveries (destination, change_id, delivered_at) VALUES (?, ?, ?)
           ON CONFLICT DO NOTHING`,
        )
        .bind(destination, id, now),
    ),
    db.prepare(`DELETE FROM deliveries WHERE delivered_at < ?`).bind(now - DELIVERIES_KEPT_MS),
  ])
  return retry
}
