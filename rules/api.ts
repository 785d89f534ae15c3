import type { ExplainNode } from './logic/explain-logic.ts'
import type { MetricValue, RulesDocument, TagKind, TagValue } from './document/document.ts'
import type { Json } from './document/json.ts'
import type { Problem } from './validate/problem.ts'

/**
 * What `ProfileState.ingest` did with an event: `pending` when it is dated after the time it was
 * received, and counts from its timestamp on.
 */
export type IngestResult =
  | { status: 'counted' }
  | { status: 'pending' }
  | { status: 'duplicate' }
  | { status: 'rejected'; error: string }

/** Options of `ProfileState.evaluate` and `ProfileState.explain`. */
export interface EvaluateOptions {
  /**
   * `'all'` evaluates every tag (the edge, the CLI); `'device'` evaluates only device-evaluable tags
   * and takes the other tags' values from `durableTags` (the SDK).
   * @default 'all'
   */
  scope?: 'all' | 'device'
  /** Last known values of tags that are not evaluated here (scope `'device'`). @default {} */
  durableTags?: Record<string, TagValue>
  /**
   * Whether to compute `nextChangeAt` (it evaluates the tags at a few future instants); `false`
   * leaves it `null`, for callers that only want the values now (the CLI).
   * @default true
   */
  nextChangeAt?: boolean
}

/** Result of `ProfileState.evaluate`. */
export interface Evaluation {
  /** Present tags only (absent tags are omitted). */
  tags: Record<string, TagValue>
  /** Every metric of the document (scope `'device'`: the `session` metrics), `null` where undefined. */
  metrics: Record<string, MetricValue>
  /**
   * Earliest time (epoch ms) after `now` at which some tag could change with no new event
   * (window expiry, session timeout, dwell thresholds, `since_*` comparisons), or `null`.
   */
  nextChangeAt: number | null
  /**
   * The tags whose expression threw (absent from `tags`), with the error's message; only when
   * some did (edge and CLI evaluations).
   */
  errors?: Record<string, string>
}

/** Why a tag has its value: the expression tree with every node's value. */
export interface Explanation {
  tag: string
  kind: TagKind
  /** The tag's value, or `null` when absent. */
  value: TagValue | null
  /** Where the tag is evaluated. */
  evaluatedOn: 'device' | 'edge'
  /** One tree per expression of the tag (`when`, `of`, each case, each score weight...). */
  parts: { label: string; tree: ExplainNode }[]
  /** Values of the metrics the tag reads. */
  metrics: Record<string, MetricValue>
  error?: string
}

/** JSON snapshot of a profile state; persist it and restore with `Rules.restore`. */
export type StateSnapshot = { [key: string]: Json }

/** Options of a profile state. */
export interface StateOptions {
  /**
   * How many recent `messageId`s a state remembers to drop duplicates. `Infinity` remembers all
   * (the CLI); `0` remembers none, for a caller that deduplicates against its own event store (the
   * collector's events table).
   * @default 10000
   */
  maxMessageIds?: number
  /**
   * How much JSON (in characters) the events waiting for their timestamp may hold in the state (and
   * its snapshot); an event past it is rejected. Only events ingested with a `now` wait.
   * @default Infinity
   */
  maxPendingSize?: number
}

/** A profile's incremental state: O(metrics) work per event, bounded memory. */
export interface ProfileState {
  /**
   * Adds one event (any order). Duplicates by `messageId` are ignored; bad events rejected. Also
   * takes the `event` of a successful `parseEvent(...)`, which it then does not validate again.
   *
   * `now` is the time the event is received (epoch ms). An event dated after it is `pending`: it
   * counts from its timestamp on, never earlier — once the state is evaluated (or ingests) at or
   * after it — and `nextChangeAt` is never later than its timestamp. Without `now` an event counts
   * at once: the caller then evaluates only at or after every timestamp (the CLI drops later events).
   */
  ingest(event: unknown, now?: number): IngestResult
  /**
   * Tags, metrics and `nextChangeAt` at `now` (epoch ms). Counts the pending events due by `now`
   * first (time moves forward: they stay counted), and changes the state in no other way.
   */
  evaluate(now: number, options?: EvaluateOptions): Evaluation
  /** Why `tagId` has its value at `now`. Throws for an unknown tag id. */
  explain(tagId: string, now: number, options?: EvaluateOptions): Explanation
  /** Merged identify traits. */
  traits(): Record<string, Json>
  /** A JSON snapshot of the whole state. */
  snapshot(): StateSnapshot
  /**
   * Folds another profile's state into this one (identity merge). The two states must hold disjoint
   * events (one state per identity); their remembered messageIds are joined, so a retry of an event
   * the other state counted is a duplicate here.
   */
  merge(other: ProfileState): void
}

/** Facts about one tag, for catalogs and the SDK. */
export interface TagInfo {
  id: string
  kind: TagKind
  /** `'device'` when every metric the tag reads directly has a `session` window. */
  evaluatedOn: 'device' | 'edge'
  /** Metrics the tag reads directly. */
  metrics: string[]
  /** Tags the tag reads. */
  tags: string[]
}

/** A compiled rules document. */
export interface Rules {
  readonly document: RulesDocument
  /** Session timeout in ms. */
  readonly sessionTimeoutMs: number
  /** Every tag, in evaluation (dependency) order. */
  readonly tags: readonly TagInfo[]
  /** Metric ids, in document order. */
  readonly metricIds: readonly string[]
  /** A new, empty profile state. */
  createState(options?: StateOptions): ProfileState
  /**
   * A state restored from `snapshot()`. Metrics whose definition changed since the snapshot start
   * empty (replay stored events to backfill them); throws when `snapshot` is not a state snapshot.
   */
  restore(snapshot: StateSnapshot, options?: StateOptions): ProfileState
}

/** Result of `checkRules`. */
export interface CheckResult {
  ok: boolean
  problems: Problem[]
  /** Not errors: for example comparisons of nullable metrics without a null guard. */
  warnings: Problem[]
  /** Counts for the `check` summary line. */
  summary: { metrics: number; tags: number; deviceTags: number }
}
