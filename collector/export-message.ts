import type { TagValue } from '../rules/index.ts'

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

/** What the export queue carries. Versioned by `type`, so new kinds can be added. */
export type ExportMessage = { type: 'tag.changed'; change: ExportedChange }
