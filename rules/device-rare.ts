// The entry of the rare-features chunk of the device builds (see rules/rare.ts): what it exports
// is handed to `addRare` once loaded.
import { rareFolds } from './aggregate-rare.ts'
import { rareOperations } from './logic-rare.ts'
import type { RareFeatures } from './rare.ts'
import { rareKinds } from './tags-rare.ts'

/** The rare operations, folds and tag kinds. */
export const rare: RareFeatures = {
  operations: rareOperations(),
  folds: rareFolds(),
  kinds: rareKinds(),
}
