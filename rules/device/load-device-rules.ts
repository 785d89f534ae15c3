import type { StateSnapshot, TagInfo } from '../api.ts'
import { createDeviceState, type DeviceState } from './device-state.ts'
import type { RulesDocument } from '../document/document.ts'
import type { Features } from '../features.ts'
import { genericCompiler } from '../logic/compile-generic.ts'
import { matchMetric } from '../metric/metric.ts'
import { compileTag, type CompiledTag } from '../tags/compile-tag.ts'
import type { DevicePlan } from './device-plan.ts'
import { DEVICE_FEATURES } from './features.ts'
import { compileUnits } from '../tags/time-units.ts'

/** A rules document compiled for a device (see {@link loadDeviceRules}). */
export interface DeviceRules {
  /** Session timeout in ms. */
  readonly sessionTimeoutMs: number
  /** Every tag, in evaluation order. */
  readonly tags: readonly TagInfo[]
  /** A new, empty state, or one restored from `snapshot()` (throws when it is not one). */
  createState(snapshot?: StateSnapshot): DeviceState
}

export type { DeviceState } from './device-state.ts'

/** Session metrics and device tags a device leaves out (see {@link loadDeviceRules}). */
export interface Absent {
  readonly metrics: readonly string[]
  readonly tags: readonly string[]
}

/**
 * Compiles a valid rules document (validated elsewhere, like {@link loadRules}) for a device: the
 * browser SDK and the mini-program adapter. Only `session` metrics and device-evaluable tags are
 * compiled for evaluation; the other tags are read from the durable tags the edge sends. The
 * operations, aggregations, tag kinds and the search for `nextChangeAt` are the full engine's own
 * code; only the state differs (one session, events in order), which keeps the device bundle small.
 *
 * `plan` is the document's {@link devicePlan} (the collector sends it with the document).
 * `features` are the device's engine: `DEVICE_FEATURES`, with the rare ones when the plan says the
 * document needs them (`plan.rare`: `features` of rules/device/rare-chunk.ts, which has everything),
 * and with `unitFlips` (rules/device/time-chunk.ts) when the plan has time-dependent `units` —
 * without it, `nextChangeAt` would miss the times they flip, so that is refused.
 *
 * `absent` is what a device leaves out when a chunk did not load: those session metrics are not
 * counted and those device tags stay absent (`undefined`), with their time units; every other tag
 * evaluates as usual. It must hold every tag that needs a feature `features` lack
 * (`plan.needsRare` without the rare features, the tags of `plan.units` without `unitFlips`).
 *
 * @example
 * const rules = loadDeviceRules(document, devicePlan(document))
 * const state = rules.createState()
 * state.ingest({ type: 'page', anonymousId: 'a', timestamp: new Date().toISOString() })
 * state.evaluate(Date.now(), durableTags).tags
 */
export function loadDeviceRules(
  document: RulesDocument,
  plan: DevicePlan,
  features: Features = DEVICE_FEATURES,
  absent: Absent = { metrics: [], tags: [] },
): DeviceRules {
  const units = plan.units.filter((unit) => !absent.tags.includes(unit.tag))
  if (units.length && !features.unitFlips)
    throw new Error('rules with time-dependent device tags need features with unitFlips')
  const compile = genericCompiler(features.operations)
  const analysis = plan.tags
  const metrics = Object.entries(document.metrics)
    .filter(([id, def]) => def.window === 'session' && !absent.metrics.includes(id))
    .map(([id, def]) => ({
      ...matchMetric(id, def, compile, features.compileGlob),
      aggregator: features.folds[def.agg]!,
      // A plan cached before plans had fingerprints: the same for every metric, which is right
      // within one rules version (a new version comes with a new plan).
      fingerprint: plan.fingerprints?.[id] ?? '',
    }))
  // Only the device's own tags are compiled (their kinds may be rare features that only they
  // need loaded): the values of the others come from the edge.
  const tags = analysis.map(({ id, kind, evaluatedOn }): CompiledTag => {
    const def = document.tags[id]!
    const onDevice = evaluatedOn === 'device'
    return onDevice && !absent.tags.includes(id)
      ? compileTag(id, kind, def, true, { kinds: features.kinds, compile })
      : { id, kind, onDevice, evaluate: () => undefined, def }
  })
  const timeout = (document.session?.timeoutMinutes ?? 30) * 60_000
  const compiled = {
    metrics,
    tags,
    timeout,
    // The plan's units are the device tags' only (`timeUnitRules` of them).
    units: compileUnits(units, tags, compile),
    unitFlips: features.unitFlips,
  }
  return {
    sessionTimeoutMs: timeout,
    tags: analysis.map(({ id, kind, evaluatedOn, metrics, tags }) => ({
      id,
      kind,
      evaluatedOn,
      metrics,
      tags,
    })),
    createState: (snapshot) => createDeviceState(compiled, snapshot),
  }
}
