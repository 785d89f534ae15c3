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
}

/** A profile erased (`DELETE /v1/profiles/:id`): destinations should forget it. */
export interface ProfileDeletion {
  id: string
  profile: string
  at: number
}

/** What the export queue carries. Versioned by `type`, so new kinds can be added. */
export type ExportMessage =
  | { type: 'tag.changed'; change: ExportedChange }
  | { type: 'profile.deleted'; deletion: ProfileDeletion }

/** The message's idempotency key (`webhook-id`, and the key of the delivery log). */
export const exportId = (message: ExportMessage): string =>
  message.type === 'tag.changed' ? message.change.id : message.deletion.id

/** The profile the message is about (deliveries keep each profile's order). */
export const exportProfile = (message: ExportMessage): string =>
  message.type === 'tag.changed' ? message.change.profile : message.deletion.profile

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
