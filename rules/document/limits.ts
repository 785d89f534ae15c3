/** Limits of a rules document (spec rules.md §2). */
export const DOCUMENT_LIMITS = { bytes: 1_048_576, metrics: 500, tags: 1000 } as const

/**
 * Most levels of objects and arrays an event nests, the event itself the first (spec collector.md,
 * "Limits and protection": JSON depth 32). Deeper, it is a bad event everywhere: on the edge, in
 * the CLI and on the device, so they agree, and so no walk of an event (its JSON, its values for a
 * `top` or a trait) can overflow the stack; a line nested 3,000 deep ended `tagwise eval`.
 */
export const MAX_EVENT_DEPTH = 32

// Bounds on what a profile state keeps from its events, so that no sender can grow a profile
// without end (spec collector.md, "Limits and protection": bounded per-profile state). The edge,
// the CLI and the device apply them alike; the numbers and their reasons are in collector/README.md
// ("Bounds").

/**
 * Longest value, in characters of its JSON, that `top`, `distinct`, `first` and `last` keep: a
 * longer one is skipped like a missing value. Such values are names, ids and labels; a `top` keeps
 * 64 of them per time bucket (60 per window), a `distinct` up to 2,048.
 */
export const MAX_KEPT_VALUE_CHARS = 100
/** Most traits a profile keeps: a new key past this many is ignored (known keys still change). */
export const MAX_TRAITS = 100
/** Longest trait key a profile keeps; a longer key is ignored. */
export const MAX_TRAIT_KEY_CHARS = 128
/** Longest trait value, in characters of its JSON, a profile keeps; a longer one is ignored. */
export const MAX_TRAIT_VALUE_CHARS = 1000
/**
 * Longest page path a profile's page timeline keeps (`dwell`): a longer one is cut to this many
 * characters, on the page and on its `Page Left` alike, so they still pair.
 */
export const MAX_KEPT_PATH_CHARS = 1000
/**
 * Longest tag value, in characters of its JSON, a profile state gives (the edge and the CLI): a
 * longer value makes the tag absent, as an expression that throws does. Tag values are stored,
 * indexed and exported with every change.
 */
export const MAX_TAG_VALUE_CHARS = 1000

/**
 * Most ids merged into one person (its profile and every id linked into it, the profile's own id
 * not counted): a link that would pass it is ignored, as one that closes a cycle is, and its id
 * stays a profile of its own (or joins another person). A site that identifies every visitor with
 * one userId ("guest", "undefined", "0", a classic integration bug) would otherwise merge every
 * visitor into one person. The collector refuses such a merge alike (its reasons: collector/README.md,
 * "Bounds"). Mixpanel stops at 500 ids per identity cluster.
 */
export const MAX_MERGED_IDS = 1000
