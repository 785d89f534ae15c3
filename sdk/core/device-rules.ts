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
  type Features,
} from '../../rules/device/index.ts'
import type { StateSnapshot } from '../../rules/index.ts'
import type { explainOnDevice } from '../../rules/device/rare-chunk.ts'
import type { CachedRules } from './remote-rules.ts'

/** Why a tag has its value, as the engine's device explainer says. */
export type ExplainOnDevice = typeof explainOnDevice

/** A document compiled for the device, and what a lazy chunk that did not load leaves out. */
export interface CompiledRules {
  rules: DeviceRules
  /** The device tags that stay absent, and why: the browser's error for the chunk. */
  missing?: { tags: readonly string[]; why: string }
}

/**
 * Compiles `rules` for the device. The collector sends the device plan with the document; for a
 * document given inline (or from an older collector) it is computed here, by a chunk loaded only
 * then. So are the rare features (rules/device/rare-names.ts), only for a document that uses one,
 * and the search for time-dependent flips, only for a document that has such device tags.
 *
 * A chunk that does not load (the page's CSP or a proxy blocks it, the network is gone) costs only
 * the tags that need it: the plan says which (`needsRare`, `units`); the others still evaluate.
 * Without a plan, or with a plan too old to say, nothing can be compiled and this rejects.
 */
export async function compileDeviceRules(rules: CachedRules): Promise<CompiledRules> {
  const plan =
    rules.plan ?? (await import('../../rules/device/device-plan.ts')).devicePlan(rules.document)
  const rare = plan.rare !== false
  let features: Features
  try {
    // The rare features' chunk has everything; the time search is a chunk of its own.
    features = rare
      ? (await import('../../rules/device/rare-chunk.ts')).features
      : plan.units.length
        ? { ...DEVICE_FEATURES, ...(await import('../../rules/device/time-chunk.ts')) }
        : DEVICE_FEATURES
  } catch (error) {
    const needs = rare ? plan.needsRare : { metrics: [], tags: [] }
    if (!needs) throw error
    // Without the time search (in either chunk), the time-dependent tags are left out too.
    const absent = {
      metrics: needs.metrics,
      tags: [...needs.tags, ...plan.units.map((u) => u.tag)],
    }
    return {
      rules: loadDeviceRules(rules.document, plan, DEVICE_FEATURES, absent),
      missing: { tags: absent.tags, why: String(error) },
    }
  }
  return { rules: loadDeviceRules(rules.document, plan, features) }
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
