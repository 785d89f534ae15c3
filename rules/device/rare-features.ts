// A device's engine with the rare features too: what the rare chunk (rare-chunk.ts) brings to a
// browser, and what the mini-program file, which loads nothing lazily, has built in. In a module of
// its own so that the core of a browser build never holds the rare tables.
import { RARE_FOLDS } from '../aggregate/rare-folds.ts'
import { withFeatures, type Features } from '../features.ts'
import { RARE_OPERATIONS } from '../logic/rare-operations.ts'
import { RARE_KINDS } from '../tags/rare-kinds.ts'
import { unitFlips } from '../state/unit-flips.ts'
import { DEVICE_FEATURES } from './features.ts'

/**
 * {@link DEVICE_FEATURES} with every rare operation, aggregation and tag kind, and the search for
 * time-dependent flips: everything the edge evaluates with, in the device's variant.
 */
export const DEVICE_FEATURES_WITH_RARE: Features = withFeatures(DEVICE_FEATURES, {
  operations: RARE_OPERATIONS,
  folds: RARE_FOLDS,
  kinds: RARE_KINDS,
  unitFlips,
})
