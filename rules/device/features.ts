// A device's engine: the common operations, aggregations and tag kinds, and the compact glob matcher.
// Expressions are compiled generically (rules/logic/compile-generic.ts), not by the edge's
// optimizing compiler: the fewest bytes for the same results. The rare features join them from
// their lazily loaded chunk (rare-chunk.ts) when a document needs them.
import { COMMON_FOLDS } from '../aggregate/folds.ts'
import type { Features } from '../features.ts'
import { compactGlob, compileCompactGlob } from '../logic/compact-glob.ts'
import { operationTable } from '../logic/operation.ts'
import { COMMON_OPERATIONS, globOperation } from '../logic/operations.ts'
import { COMMON_KINDS } from '../tags/kinds.ts'

/** What every device has. */
export const DEVICE_FEATURES: Features = {
  operations: operationTable(COMMON_OPERATIONS, globOperation(compactGlob)),
  folds: COMMON_FOLDS,
  kinds: COMMON_KINDS,
  compileGlob: compileCompactGlob,
}
