import { deliverExport } from './deliver-export.ts'
import { readDestinations } from './destinations.ts'
import type { Env } from '../env.ts'
import { recordNotice } from './erasures.ts'
import { recordMerge } from './merges.ts'
import {
  exportMessagesOf,
  exportProfile,
  isQueueMessage,
  type ExportMessage,
  type QueueMessage,
} from './message.ts'
import { sendAll } from './queue-sends.ts'
import { supersededChanges } from './superseded-changes.ts'
import { changeStatements, forgetStatements, trimChanges } from './tag-index.ts'
import { recordedTombstones, tombstonedChanges } from './tombstones.ts'

/** Longest wait between two deliveries of a message the consumer could not handle, in seconds. */
const MAX_RETRY_DELAY_S = 300

/** Exponential backoff: 2 s after the first attempt, doubling, at most 5 minutes. */
export const retryDelaySeconds = (attempts: number): number =>
  Math.min(2 ** Math.max(1, attempts), MAX_RETRY_DELAY_S)

/**
 * How many times a change that waited behind a failed one of its profile is sent to the queue
 * again uncharged (`sendAgain`): as many as the attempts the queue gives the change it waits for
 * (`max_retries` = 5 in wrangler.toml, and the first). After that a wait is charged like a failure,
 * so every change reaches the dead-letter queue when a destination refuses its profile for good.
 */
export const MAX_WAITS = 6

/**
 * The export queue's consumer (same Worker). Each message is acknowledged or retried on its own,
 * so one profile's failure never holds up the others of a batch:
 * 1. changes of a profile erased or merged into another at or after their time (a tombstone in
 *    D1 `erasures` or `merges`, or a notice in the same batch: `tombstones.ts`) are dropped:
 *    they never reach the index, the change log or a destination after the erasure or merge;
 * 2. the D1 tag index and change log, one D1 batch for the whole queue batch; erasure and merge
 *    notices remove the profile's rows up to their time and record its tombstone. If that batch
 *    fails, each profile's messages are applied in a batch of their own, and only the profiles
 *    that fail again are retried (and not delivered);
 * 3. the destinations of `DESTINATIONS` (webhooks, Segment-compatible APIs; see
 *    deliver-export.ts), which name the messages to retry.
 * Retries back off exponentially (2, 4, 8 … s, at most 5 min); after `max_retries`
 * (wrangler.toml) the queue moves a message to the dead-letter queue. Every step is idempotent —
 * the index by change id and time, destinations by the delivery log and their idempotency keys —
 * so a redelivery after a crash changes nothing twice. A failure that is not a profile's (D1
 * unreachable, `DESTINATIONS` wrong) retries the whole batch.
 */
export async function consumeExport(
  batch: MessageBatch<unknown>,
  env: Env,
  _ctx?: ExecutionContext,
): Promise<void> {
  const retry = new Set<number>()
  // Positions whose messages only waited behind a failed one of their profile (`sendAgain`).
  const wait = new Set<number>()
  const valid: { position: number; message: ExportMessage }[] = []
  // A commit's changes in one queue message are handled each as its own export message; all of
  // them are retried with the queue message when one is.
  batch.messages.forEach(({ body }, position) => {
    if (isQueueMessage(body))
      for (const message of exportMessagesOf(body)) valid.push({ position, message })
    else {
      console.warn('tagwise: not an export message, retried until dead-lettered:', body)
      retry.add(position)
    }
  })
  try {
    const recorded = await recordedTombstones(env.DB, [
      ...new Set(valid.map(({ message }) => exportProfile(message))),
    ])
    const dropped = tombstonedChanges(
      valid.map(({ message }) => message),
      recorded,
    )
    const live = valid.filter((_, position) => !dropped.has(position))
    const unindexed = await indexEachProfile(
      env.DB,
      live.map(({ message }) => message),
    )
    const deliverable = live.filter(({ message }) => !unindexed.has(exportProfile(message)))
    for (const { position, message } of live)
      if (unindexed.has(exportProfile(message))) retry.add(position)
    const destinations = readDestinations(
      env.DESTINATIONS,
      env as unknown as Record<string, unknown>,
    )
    const { failed, waited } = await deliverExport(
      env.DB,
      destinations,
      deliverable.map(({ message }) => message),
      Date.now(),
    )
    for (const i of failed) retry.add(deliverable[i]!.position)
    for (const i of waited) wait.add(deliverable[i]!.position)
  } catch (error) {
    console.warn('tagwise: exporting tag changes failed; the batch is retried:', error)
    batch.messages.forEach((_, position) => retry.add(position))
  }
  for (const position of retry) wait.delete(position)
  await sendAgain(env, batch, retry, wait)
  batch.messages.forEach((message, position) => {
    if (retry.has(position)) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
    else message.ack()
  })
}

/**
 * Sends the messages at `wait` again as new messages, which the queue counts from their first
 * attempt, and moves them out of `wait` (acknowledged after): they were not sent because an
 * earlier message of their profile failed, and a retry would count that wait as their own failed
 * attempt (with a receiver failing 1 request in 3, a busy profile's later changes reached the
 * dead-letter queue without ever failing). They come back a second after the latest retry of the
 * batch, so that the message they waited for is likely delivered first. A message sent again
 * `MAX_WAITS` times is retried instead: the queue's count restarts with each send, so behind a
 * profile a destination refuses for good its changes went round the queue without end (a change
 * that failed and then waited lost its count too). If the queue refuses the send, they are
 * retried like the others.
 */
async function sendAgain(
  env: Env,
  batch: MessageBatch<unknown>,
  retry: Set<number>,
  wait: Set<number>,
): Promise<void> {
  for (const position of wait)
    if (waitsOf(batch.messages[position]!.body) >= MAX_WAITS) {
      retry.add(position)
      wait.delete(position)
    }
  if (!wait.size) return
  const after = Math.max(
    0,
    ...[...retry].map((position) => retryDelaySeconds(batch.messages[position]!.attempts)),
  )
  try {
    await sendAll(
      env.TAG_CHANGES,
      // Only messages that were read as export messages are delivered, so each is one.
      [...wait]
        .sort((a, b) => a - b)
        .flatMap((position): QueueMessage[] => {
          const body = batch.messages[position]!.body
          return isQueueMessage(body) ? [{ ...body, waits: waitsOf(body) + 1 }] : []
        }),
      after + 1,
    )
  } catch (error) {
    console.warn('tagwise: sending waiting changes again failed; they are retried:', error)
    for (const position of wait) retry.add(position)
  }
  wait.clear()
}

/** How many times the consumer sent `body` again (`QueueMessage.waits`). */
const waitsOf = (body: unknown): number =>
  isQueueMessage(body) && body.waits !== undefined ? body.waits : 0

/** The D1 statements of one message: its change applied, or its erasure or merge recorded. */
function statementsOf(
  db: D1Database,
  message: ExportMessage,
  superseded: boolean,
): D1PreparedStatement[] {
  switch (message.type) {
    case 'tag.changed':
      return changeStatements(db, message.change, { index: !superseded })
    case 'profile.deleted':
      return [
        recordNotice(db, message.deletion),
        ...forgetStatements(db, message.deletion.profile, message.deletion.at),
      ]
    case 'profile.merged':
      return [
        ...recordMerge(db, message.merge),
        ...forgetStatements(db, message.merge.profile, message.merge.at),
      ]
  }
}

/**
 * The D1 statements of `messages`, in one batch: a change a later one of the same profile and
 * tag supersedes is only logged (`supersededChanges`), and the log is trimmed.
 */
function batchStatements(db: D1Database, messages: readonly ExportMessage[]) {
  const superseded = supersededChanges(messages)
  return [
    ...messages.flatMap((message, position) => statementsOf(db, message, superseded.has(position))),
    trimChanges(db),
  ]
}

/**
 * Applies `messages` to the index in one D1 batch; if it fails, each profile's messages in a batch
 * of their own. Returns the profiles whose messages could not be applied (logged).
 */
async function indexEachProfile(
  db: D1Database,
  messages: readonly ExportMessage[],
): Promise<Set<string>> {
  const failed = new Set<string>()
  if (!messages.length) return failed
  const byProfile = new Map<string, ExportMessage[]>()
  for (const message of messages) {
    const profile = exportProfile(message)
    byProfile.set(profile, [...(byProfile.get(profile) ?? []), message])
  }
  try {
    await db.batch(batchStatements(db, messages))
    return failed
  } catch (error) {
    if (byProfile.size === 1) {
      console.warn('tagwise: indexing a profile’s changes failed; retried:', error)
      return new Set(byProfile.keys())
    }
  }
  for (const [profile, group] of byProfile) {
    try {
      await db.batch(batchStatements(db, group))
    } catch (error) {
      console.warn(`tagwise: indexing the changes of ${profile} failed; retried:`, error)
      failed.add(profile)
    }
  }
  return failed
}
