/** Limits of the HTTP API (spec: collector.md, "Limits and protection"). */

/** Largest request body, in bytes (Segment's limit). */
export const MAX_BODY_BYTES = 500 * 1024
/**
 * Most UTF-8 bytes of JSON a request's events may take as its profiles receive them: the body plus
 * its top-level `context` once more for each event it is merged into. A 200 KB body whose 30 KB
 * context went into 2,000 events made a 60 MB profile call, over the 32 MiB limit of a Durable
 * Object call (a 503 the client retried for ever) and half a Worker's 128 MB. 8 bodies: a
 * context of 1.6 KB still fits every event of a full 2,500-event batch (the SDK's is 20 bytes).
 */
export const MAX_STORED_BATCH_BYTES = 8 * MAX_BODY_BYTES
/** Largest single event, in bytes of its JSON (its request's context merged in). */
export const MAX_EVENT_BYTES = 32 * 1024
/** Most events in one `POST /v1/batch`. */
export const MAX_BATCH_EVENTS = 2500
/**
 * Most profiles one request may name (its events' profiles and the ids its links merge): each is a
 * Durable Object the request wakes, and the local runtime shares one SQLite memory budget between
 * every object alive in the process: 2,500 new profiles in one request ran it out
 * (`SQLITE_NOMEM`), 1,000 passed (7–8 s), 500 answer in about 4 s. Browsers send one profile per
 * batch; Segment's server libraries flush a few dozen to a few hundred events at a time.
 */
export const MAX_BATCH_PROFILES = 500
/**
 * Deepest nesting of arrays and objects in a body, checked on its text before it is parsed, so no
 * absurd structure is built or walked. An event itself may nest 32 levels (the spec's JSON depth,
 * the engine's `MAX_EVENT_DEPTH`): a deeper one is rejected alone, with the batch's other events
 * stored. This bound is twice that, for a batch's wrapper and an event some levels too deep:
 * when the body's bound was the event's, one event nested 31 levels deep refused its whole batch
 * (`400`), and the SDK, which does not retry a `400`, dropped every event of it.
 */
export const MAX_JSON_DEPTH = 64
/** Longest `userId`, `anonymousId`, `previousId`, `messageId` or profile id. */
export const MAX_ID_LENGTH = 256
/**
 * Most ids merged into one person (its profile's `aliases`), as in the engine's identity graph: a
 * merge that would pass it is refused, and the id stays a profile of its own. Its view
 * (`GET /v1/profiles/:id`), merge payload and erasure (one object call per id) stay bounded.
 */
export { MAX_MERGED_IDS } from '../rules/index.ts'
/** How long a profile keeps its events (and so deduplicates their `messageId`s), in ms. */
export const EVENT_RETENTION_MS = 90 * 86_400_000
/**
 * How late, at most, the alarm of a profile that takes no more batches drops its events past
 * retention, in ms: a day, so that one alarm drops a day's visits. Each alarm is an object
 * request, a checkpoint and the next alarm set (docs/cost.md, "Steady state").
 */
export const EXPIRY_ALARM_SLACK_MS = 86_400_000
/**
 * How long after its first batch a stored row takes later batches' events
 * (`EventStore.extendNewest`), in ms: a visit.
 */
export const EXTEND_WINDOW_MS = 3_600_000
/**
 * Most characters of events' JSON in a row that later batches extend: each extension rewrites the
 * row, so a profile that takes many batches (a server source) starts a new row every 32 K.
 */
export const EXTEND_ROW_CHARS = 32 * 1024
/** Most events a profile keeps; older ones (by receive time) are dropped first. */
export const MAX_STORED_EVENTS = 10_000
/**
 * Events a profile counts between two saves of its engine state (checkpoints): a restore replays at
 * most this many stored events after the last checkpoint. A replay costs 5–20 µs of CPU per event
 * (the events' JSON parsed and counted) on every cold start, a checkpoint one row written (the
 * snapshot, its mark in the same row) and ~0.1 ms: at 100, the rows written per event are those of
 * 200 when a checkpoint wrote two rows, and the replay bound half of theirs.
 */
export const CHECKPOINT_EVENTS = 100
/** How far after its receive time an event may be dated (later ones are rejected), in ms. */
export const MAX_FUTURE_MS = 7 * 86_400_000
/**
 * JSON (in characters) of the events a profile holds waiting for their timestamp, in its engine
 * state and so in its checkpoint row: well below SQLite's 2 MB, at least 8 events of 32 KB.
 */
export const MAX_PENDING_JSON = 256 * 1024
/**
 * Largest engine snapshot a checkpoint saves, in UTF-8 bytes: half of SQLite's 2 MB row limit
 * (a row over it, `SQLITE_TOOBIG`, rolled back every later commit of the profile). The engine's
 * bounds keep a snapshot far below this; a state still larger is not saved (see `saveSnapshot`).
 */
export const MAX_SNAPSHOT_BYTES = 1_000_000
/** Most tag changes a profile keeps in its history. */
export const MAX_TAG_HISTORY = 1000
/** Events `GET /v1/profiles/:id` lists. */
export const PROFILE_EVENTS_SHOWN = 100

/** Largest rules document `PUT /v1/rules` reads, in bytes (the engine's own limit is 1 MB). */
export const MAX_RULES_BYTES = 1024 * 1024
