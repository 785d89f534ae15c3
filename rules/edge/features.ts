// The edge's engine: every operation, aggregation and tag kind, the fast glob automaton, and the
// optimizing JsonLogic compiler. The collector, the CLI and `tagwise/rules` run it.
import { CARRIED_FOLDS } from '../aggregate/carried-sum.ts'
import { COMMON_FOLDS } from '../aggregate/folds.ts'
import { RARE_FOLDS } from '../aggregate/rare-folds.ts'
import type { Features } from '../features.ts'
import { compileGlob, glob } from '../logic/glob.ts'
import { operationTable } from '../logic/operation.ts'
import { COMMON_OPERATIONS, globOperation } from '../logic/operations.ts'
import { RARE_OPERATIONS } from '../logic/rare-operations.ts'
import { COMMON_KINDS } from '../tags/kinds.ts'
import { RARE_KINDS } from '../tags/rare-kinds.ts'
import { unitFlips } from '../state/unit-flips.ts'

/** Everything the rules language has. */
export const EDGE_FEATURES: Features = {
  operations: operationTable(COMMON_OPERATIONS, globOperation(glob), RARE_OPERATIONS),
  folds: { ...COMMON_FOLDS, ...RARE_FOLDS, ...CARRIED_FOLDS },
  kinds: { ...COMMON_KINDS, ...RARE_KINDS },
  compileGlob,
  unitFlips,
}
