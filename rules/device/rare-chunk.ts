// The entry of the rare-features chunk of the device builds (see rules/rare.ts): what it exports
// is handed to `addRare` once loaded. It also carries the device explainer, which needs the rare
// features for the documents that use them: they are added to this chunk's own copy of the tables
// when the chunk loads (in builds where the chunk shares the core's modules, to the core's, which
// changes nothing for documents that do not use them).
import { rareFolds } from '../aggregate/rare-folds.ts'
import { rareOperations } from '../logic/rare-operations.ts'
import { addRare, type RareFeatures } from './rare.ts'
import { rareKinds } from '../tags/rare-kinds.ts'

export { explainOnDevice } from './explain-on-device.ts'

/** The rare operations, folds and tag kinds. */
export const rare: RareFeatures = {
  operations: rareOperations(),
  folds: rareFolds(),
  kinds: rareKinds(),
}
addRare(rare)
