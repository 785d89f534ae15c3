// Every use the SDK makes of the rules engine's code: compiling a rules document for the device
// (with the device plan and the rare features it may need, both loaded lazily) and explaining a
// tag (the explainer loads lazily too). The rest of the SDK only uses the engine's types.
import { loadDeviceRules, type DeviceRules, type explainOnDevice } from '../../rules/index.ts'
import { addRare } from '../../rules/rare.ts'
import type { CachedRules } from './remote-rules.ts'

/** Why a tag has its value, as the engine's device explainer says. */
export type ExplainOnDevice = typeof explainOnDevice

/** `false` in builds that load the rare features lazily (see rules/rare.ts). */
declare const __TAGWISE_RARE__: boolean | undefined

/**
 * Compiles `rules` for the device. The collector sends the device plan with the document; for a
 * document given inline (or from an older collector) it is computed here, by a chunk loaded only
 * then. So are the rare features, in builds that leave them out, only for a document that uses
 * one.
 */
export async function compileDeviceRules(rules: CachedRules): Promise<DeviceRules> {
  const plan = rules.plan ?? (await import('../../rules/device-plan.ts')).devicePlan(rules.document)
  // The flag is tested here so the minifier can fold the branch away where it is `true`.
  if (typeof __TAGWISE_RARE__ !== 'undefined' && !__TAGWISE_RARE__ && plan.rare !== false)
    addRare((await import('../../rules/device-rare.ts')).rare)
  return loadDeviceRules(rules.document, plan)
}

/**
 * The device explainer (`explainOnDevice`). It is a rare feature: it loads with them, the first
 * time a tag is explained.
 */
export async function loadExplainer(): Promise<ExplainOnDevice> {
  return (await import('../../rules/device-rare.ts')).explainOnDevice
}
