import type { TagValue } from '../../rules/index.ts'

/** An event the collector refuses, by its index in the request. */
export interface RejectedEvent {
  index: number
  messageId: string | null
  error: string
  /** The event was fine but its profile could not commit: send it again. */
  retryable?: true
}

/** The `200` answer to an ingest request (spec: collector.md, "Ingest"). */
export interface IngestResponse {
  success: true
  accepted: number
  duplicates: number
  rejected: RejectedEvent[]
  /** All tags the edge holds for the profile, when every accepted event belongs to one profile. */
  tags?: Record<string, TagValue>
}
