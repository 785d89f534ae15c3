// Every use the SDK makes of the rules engine's code: compiling a rules document for the device
// (with the device plan and the rare features it may need, both loaded lazily) and explaining a
// tag (the explainer loads lazily too). The rest of the SDK only uses the engine's types. The
// engine is reached through its device entry (rules/device/index.ts) and the two chunks that entry
// names: a browser build loads them when needed (scripts/lazy-chunks.js); a build without code
// splitting (the mini-program file) inlines them.
import {
  DEVICE_FEATURES,
  isLegacyDeviceSnapshot,
  loadDeviceRules,
  type DeviceRules,
} from '../../rules/device/index.ts'
import type { StateSnapshot } from '../../rules/index.ts'
import type { explainOnDevice } from '../../rules/device/rare-chunk.ts'
import type { CachedRules } from './remote-rules.ts'

/** Why a tag has its value, as the engine's device explainer says. */
export type ExplainOnDevice = typeof explainOnDevice

/**
 * Compiles `rules` for the device. The collector sends the device plan with the document; for a
 * document given inline (or from an older collector) it is computed here, by a chunk loaded only
 * then. So are the rare features (rules/device/rare-names.ts), only for a document that uses one,
 * and the search for time-dependent flips, only for a document that has such device tags.
 */
export async function compileDeviceRules(rules: CachedRules): Promise<DeviceRules> {
  const plan =
    rules.plan ?? (await import('../../rules/device/device-plan.ts')).devicePlan(rules.document)
  // The rare features' chunk has everything; the time search is a chunk of its own.
  const features =
    plan.rare !== false
      ? (await import('../../rules/device/rare-chunk.ts')).features
      : plan.units.length
        ? { ...DEVICE_FEATURES, ...(await import('../../rules/device/time-chunk.ts')) }
        : DEVICE_FEATURES
  return loadDeviceRules(rules.document, plan, features)
}

/**
 * The device explainer (`explainOnDevice`). It is a rare feature: it loads with them, the first
 * time a tag is explained.
 */
export async function loadExplainer(): Promise<ExplainOnDevice> {
  return (await import('../../rules/device/rare-chunk.ts')).explainOnDevice
}

/**
 * A stored device state as the engine restores it. One that an earlier SDK stored in the engine's
 * first format is upgraded, once, by a module loaded only then; one that cannot be read is
 * dropped (the state starts afresh, as the engine would).
 */
export async function restorable(
  snapshot: StateSnapshot | undefined,
): Promise<StateSnapshot | undefined> {
  if (!snapshot || !isLegacyDeviceSnapshot(snapshot)) return snapshot
  try {
    return (await import('../../rules/device/legacy-device-snapshot.ts')).upgradeDeviceSnapshot(
      snapshot,
    )
  } catch {
    return undefined
  }
}
