import type { TagValue } from '../../rules/index.ts'
import type { TagChange } from '../profile/tag-changes.ts'

/**
 * A committed tag change as it leaves a profile (spec: collector.md, "Export"). `id` is its
 * idempotency key, fixed when the change is committed, so every redelivery carries the same one.
 * `at` is the evaluation time (epoch ms); `from`/`to` are `null` when the tag is absent.
 */
export interface ExportedChange {
  id: string
  profile: string
  tag: string
  from: TagValue | null
  to: TagValue | null
  at: number
  rulesVersion: string
  /**
   * Set when the change was too large for a queue message: `from`/`to` were cut to
   * `EXPORTED_VALUE_BYTES` each (`fit-for-queue.ts`); the profile keeps the whole value.
   */
  truncated?: true
}

/** A profile erased (`DELETE /v1/profiles/:id`): destinations should forget it. */
export interface ProfileDeletion {
  id: string
  profile: string
  at: number
}

/**
 * A profile merged into another (identity merge), sent by the merged profile when its data has
 * moved: from then on it is only a forward to `into`, so the index and destinations forget it.
 * `at` is no earlier than any change the merged profile committed (it commits none after).
 */
export interface ProfileMerge {
  id: string
  profile: string
  into: string
  at: number
}

/** An export: what the consumer handles one by one. Versioned by `type`, so new kinds can be added. */
export type ExportMessage =
  | { type: 'tag.changed'; change: ExportedChange }
  | { type: 'profile.deleted'; deletion: ProfileDeletion }
  | { type: 'profile.merged'; merge: ProfileMerge }

/**
 * What the export queue carries: an export message, or a commit's tag changes of one profile in
 * one queue message (`tag.changes`, two or more, in order: a queue message costs three operations
 * however many changes it carries). The consumer reads each as the export messages it holds
 * (`exportMessagesOf`): what the index, the log and the destinations receive is the same.
 */
export type QueueMessage = (ExportMessage | { type: 'tag.changes'; changes: ExportedChange[] }) & {
  /**
   * How many times the consumer sent this message to the queue again because it waited behind a
   * failed change of its profile (consumer.ts, `sendAgain`); absent when never.
   */
  waits?: number
}

/** The export messages a queue message carries, in order. */
export const exportMessagesOf = (body: QueueMessage): ExportMessage[] =>
  body.type === 'tag.changes'
    ? body.changes.map((change) => ({ type: 'tag.changed', change }))
    : [body]

/** What the message says happened: to whom, when, and its idempotency key. */
const subjectOf = (message: ExportMessage): { id: string; profile: string; at: number } => {
  switch (message.type) {
    case 'tag.changed':
      return message.change
    case 'profile.deleted':
      return message.deletion
    case 'profile.merged':
      return message.merge
  }
}

/** The message's idempotency key (`webhook-id`, and the key of the delivery log). */
export const exportId = (message: ExportMessage): string => subjectOf(message).id

/** The profile the message is about (deliveries keep each profile's order). */
export const exportProfile = (message: ExportMessage): string => subjectOf(message).profile

/**
 * When a message makes the index forget its profile (an erasure or a merge: rows and changes of
 * the profile dated up to then), `undefined` for a tag change.
 */
export const forgetsProfileAt = (message: ExportMessage): number | undefined =>
  message.type === 'tag.changed' ? undefined : subjectOf(message).at

/** The export messages of a profile's tag changes evaluated at `at`, each with a new id. */
export const tagChangedMessages = (
  profile: string,
  changes: readonly TagChange[],
  at: number,
  rulesVersion: string,
): ExportMessage[] =>
  changes.map(({ tag, from, to }) => ({
    type: 'tag.changed',
    change: { id: crypto.randomUUID(), profile, tag, from, to, at, rulesVersion },
  }))

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

/**
 * Whether a queue message body is an export message this version reads (a message written by a
 * bug or by a newer version is not: the consumer retries it alone, and the queue moves it to the
 * dead-letter queue).
 */
export function isExportMessage(body: unknown): body is ExportMessage {
  if (!isRecord(body)) return false
  if (body.type === 'tag.changed') return isChange(body.change)
  if (body.type === 'profile.merged')
    return hasIds(body.merge) && isRecord(body.merge) && typeof body.merge.into === 'string'
  return body.type === 'profile.deleted' && hasIds(body.deletion)
}

/** Whether a queue message body is one this version reads: an export message or `tag.changes`. */
export function isQueueMessage(body: unknown): body is QueueMessage {
  if (!isRecord(body) || !isWaitCount(body.waits)) return false
  if (isExportMessage(body)) return true
  return (
    body.type === 'tag.changes' &&
    Array.isArray(body.changes) &&
    body.changes.length > 0 &&
    body.changes.every(isChange)
  )
}

const isWaitCount = (value: unknown) =>
  value === undefined || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)

const hasIds = (data: unknown) =>
  isRecord(data) &&
  typeof data.id === 'string' &&
  typeof data.profile === 'string' &&
  typeof data.at === 'number'

const isChange = (data: unknown): data is ExportedChange =>
  hasIds(data) && isRecord(data) && typeof data.tag === 'string' && 'from' in data && 'to' in data
