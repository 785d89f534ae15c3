// Rare features: the JsonLogic operations, aggregations and tag kinds that device tags seldom use
// (rules/logic-rare.ts, aggregate-rare.ts, tags-rare.ts). The edge, the CLI and `tagwise/rules`
// have them built in. Device builds (scripts/device-define.js defines `__TAGWISE_RARE__` as
// `false`) leave them out of the core bundle, about 1.1 KB min+gzip of the browser SDK, and load
// them as one chunk (rules/device-rare.ts) before they compile a document whose device plan says
// it needs them (`DevicePlan.rare`). A plan without the flag (from an older collector) counts as
// needing them.
//
// The rule for moving a feature: from the core to the rare set only, never back. A collector's
// plan says `rare: false` when the document uses its core features only; an SDK of another version
// must have all of them in its own core.
import { addFolds } from '../aggregate/folds.ts'
import type { Fold } from '../aggregate/accumulator.ts'
import type { Aggregation, TagKind } from '../document/document.ts'
import { addOperations } from '../logic/operations.ts'
import type { Operation } from '../logic/operation.ts'
import { addKinds, type KindCompiler } from '../tags/compile-tag.ts'

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

/** The rare features themselves, as the lazily loaded chunk exports them. */
export interface RareFeatures {
  operations: Record<string, Operation>
  folds: Partial<Record<Aggregation, Fold>>
  kinds: Partial<Record<TagKind, KindCompiler>>
}

/** Makes the rare features available to `loadDeviceRules` (adding them again changes nothing). */
export function addRare(rare: RareFeatures): void {
  addOperations(rare.operations)
  addFolds(rare.folds)
  addKinds(rare.kinds)
}
