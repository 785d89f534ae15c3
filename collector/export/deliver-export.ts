import type { Destination, SegmentDestination, WebhookDestination } from './destinations.ts'
import { latestValues } from './latest-values.ts'
import { exportId, exportProfile, type ExportMessage } from './message.ts'
import { segmentIdentifies, segmentRequests } from './segment-batches.ts'
import { segmentLinks } from './segment-links.ts'
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
  if (message.type === 'profile.merged') {
    const { profile, into, at } = message.merge
    return JSON.stringify({
      type: 'profile.merged',
      timestamp,
      data: { profile, into, at: new Date(at).toISOString() },
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
    signal: AbortSignal.timeout(d.timeoutMs),
    redirect: 'manual',
  })
  await response.body?.cancel()
  warnOfRedirect(d.url, response)
  return response.ok
}

/**
 * Logs a redirect, which is not followed and so fails the delivery (retried, then dead-lettered):
 * fetch follows a 301, 302 or 303 as a GET without the body, and that GET's 200 counted as
 * delivered while the change never arrived. The operator sets the final URL.
 */
function warnOfRedirect(url: string, response: Response) {
  if (response.status < 300 || response.status > 399) return
  console.warn(
    `tagwise: ${url} answered ${response.status} (to ${response.headers.get('location') ?? 'nowhere'}): redirects are not followed, set the destination's final URL`,
  )
}

/**
 * Posts the identifies of `messages` to a Segment-compatible API (`segment-batches.ts`): one per
 * profile, or more where its traits pass an event's size, in as many requests as the API's size
 * limits need, one after another, each merge's link first (`segment-links.ts`: before the
 * identify of the user it joins, as Segment advises for an alias). Returns the positions of the
 * messages it delivered, of those whose request was refused (`failed`), and of those never sent
 * (`waited`): at the first request refused, every later one waits (so each profile's changes
 * reach the receiver in order). Erasures are never sent there: they count as delivered, as does
 * a batch without changes.
 */
async function postSegment(
  d: SegmentDestination,
  messages: readonly ExportMessage[],
  now: number,
  latest: ReadonlyMap<string, unknown>,
): Promise<{ delivered: number[]; failed: number[]; waited: number[] }> {
  const { identifies, unsendable } = await segmentIdentifies(d.traitPrefix, messages, latest)
  const events = [...(await segmentLinks(messages)), ...identifies]
  const sentAt = new Date(now).toISOString()
  const requests = segmentRequests(
    events,
    new TextEncoder().encode(JSON.stringify({ batch: [], sentAt })).byteLength,
  )
  const carried = new Set([...events.flatMap((i) => i.positions), ...unsendable])
  const delivered = messages.map((_, i) => i).filter((i) => !carried.has(i))
  for (const [n, request] of requests.entries()) {
    const ok = await fetch(`${d.endpoint}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${btoa(`${d.writeKey}:`)}`,
      },
      body: JSON.stringify({ batch: request.map((identify) => identify.event), sentAt }),
      signal: AbortSignal.timeout(d.timeoutMs),
      redirect: 'manual',
    })
      .then(async (response) => {
        await response.body?.cancel()
        warnOfRedirect(`${d.endpoint}/v1/batch`, response)
        return response.ok
      })
      .catch(() => false)
    if (!ok)
      return {
        delivered,
        failed: request.flatMap((identify) => identify.positions),
        waited: requests.slice(n + 1).flatMap((rest) => rest.flatMap((i) => i.positions)),
      }
    delivered.push(...request.flatMap((identify) => identify.positions))
  }
  return { delivered, failed: [], waited: [] }
}

/**
 * What a delivery left to do: the positions of the messages a destination refused or could not
 * take (`failed`: retried, each retry counted toward the dead-letter queue), and of those that
 * were not sent because an earlier message of their profile failed (`waited`: sent again after
 * it, uncounted; they did not fail). A message in both is `failed`.
 */
export interface Undelivered {
  failed: Set<number>
  waited: Set<number>
}

/**
 * Delivers a queue batch to every destination and returns what is left to do (`Undelivered`). A
 * message is delivered to a destination at most once per success: deliveries are
 * logged in D1 (`deliveries`), so a retry caused by one destination skips those that took it.
 * Order per profile holds for each receiver: after a profile's message fails at a destination, its
 * later messages of the batch are not sent there (they wait, and go again after it). Webhooks:
 * one request per message, profiles in parallel. Segment-compatible: one batch call per destination
 * (an `identify` per profile, an `identify` or `alias` per merge); a profile deletion is not sent
 * there (Segment-compatible APIs erase through their own deletion APIs).
 */
export async function deliverExport(
  db: D1Database,
  destinations: readonly Destination[],
  messages: readonly ExportMessage[],
  now: number,
): Promise<Undelivered> {
  const failed = new Set<number>()
  const waited = new Set<number>()
  if (!destinations.length || !messages.length) return { failed, waited }
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
  // Segment-compatible receivers keep the last trait sent: they are sent each tag's latest value.
  const latest = destinations.some((d) => d.type === 'segment')
    ? await latestValues(db, messages)
    : new Map<string, unknown>()
  const delivered: [string, string][] = []
  const pending = (d: Destination) =>
    messages.map((_, i) => i).filter((i) => !done.has(`${d.id}\n${ids[i]}`))

  await Promise.all(
    destinations.map(async (d) => {
      const todo = pending(d)
      if (d.type === 'segment') {
        const posted = await postSegment(
          d,
          todo.map((i) => messages[i]!),
          now,
          latest,
        ).catch(() => ({ delivered: [], failed: todo.map((_, k) => k), waited: [] }))
        for (const k of posted.delivered) delivered.push([d.id, ids[todo[k]!]!])
        for (const k of posted.failed) failed.add(todo[k]!)
        for (const k of posted.waited) waited.add(todo[k]!)
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
              waited.add(i)
              continue
            }
            const ok = await postWebhook(d, messages[i]!, now).catch(() => false)
            if (ok) delivered.push([d.id, ids[i]!])
            else {
              blocked = true
              failed.add(i)
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
  for (const i of failed) waited.delete(i)
  return { failed, waited }
}
