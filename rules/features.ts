// What an engine variant evaluates with. The edge (rules/edge/features.ts) has every operation,
// aggregation and tag kind; a device (rules/device/features.ts) starts with the common ones and adds
// the rare ones (rules/device/rare.ts) when a document needs them. Modules that compile or evaluate
// take the tables they use as arguments, so a variant is assembled at its entry, never switched
// inside a shared module.
import type { Folds } from './aggregate/accumulator.ts'
import type { Operations } from './logic/operation.ts'
import { operationTable } from './logic/operation.ts'
import type { UnitFlips } from './state/unit-flips.ts'
import type { Kinds } from './tags/kinds.ts'

/** The operations, folds and tag kinds of an engine variant. */
export interface Features {
  readonly operations: Operations
  readonly folds: Folds
  readonly kinds: Kinds
  /** Compiles an `events.path` glob of a metric (the `glob` operation uses the same matcher). */
  readonly compileGlob: (pattern: string) => (text: string) => boolean
  /**
   * The search for when time-dependent comparisons flip (rules/state/unit-flips.ts), which
   * `nextChangeAt` needs for rules whose device plan has `units`. Without it, only structural
   * changes (a session ending, a dwell cap, a window moving) are found.
   */
  readonly unitFlips?: UnitFlips
}

/** `base` with the operations, folds and kinds of `more` added, and its time search if it has one. */
export function withFeatures(
  base: Features,
  more: Pick<Features, 'operations' | 'folds' | 'kinds' | 'unitFlips'>,
): Features {
  return {
    operations: operationTable(base.operations, more.operations),
    folds: { ...base.folds, ...more.folds },
    kinds: { ...base.kinds, ...more.kinds },
    compileGlob: base.compileGlob,
    unitFlips: more.unitFlips ?? base.unitFlips,
  }
}
