// Rare features: the JsonLogic operations, aggregations and tag kinds that device tags seldom use
// (rules/logic/rare-operations.ts, rules/aggregate/rare-folds.ts, rules/tags/rare-kinds.ts). The
// edge has them built in (rules/edge/features.ts). Devices start without them (DEVICE_FEATURES:
// about 1.1 KB min+gzip less in the browser SDK) and load them as one chunk (rare-chunk.ts) before
// they compile a document whose device plan says it needs them (`DevicePlan.rare`). A plan without
// the flag (from an older collector) counts as needing them. Here are their names only, which the
// plan looks for: the tables themselves stay out of the plan's chunk.
//
// The rule for moving a feature: from the common set to the rare set only, never back. A collector's
// plan says `rare: false` when the document uses its common features only; an SDK of another version
// must have all of them in its own core.

/** The names of the rare features (what `devicePlan` looks for). */
export const RARE = {
  operations: [
    'missing',
    'missing_some',
    'max',
    'min',
    '%',
    'map',
    'filter',
    'reduce',
    'all',
    'none',
    'some',
    'merge',
    'cat',
    'substr',
    'log',
  ],
  aggregations: ['avg', 'min', 'max', 'distinct', 'first', 'last', 'since_first', 'since_last'],
  kinds: ['tiers', 'cases', 'score'],
} as const
