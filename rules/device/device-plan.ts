import { deviceAnalysis } from './device-analysis.ts'
import { CONTINUOUS_AGGREGATIONS, type RulesDocument } from '../document/document.ts'
import { argumentList, operationOf } from '../logic/operation.ts'
import { metricFingerprint } from '../metric/metric-fingerprint.ts'
import { RARE } from './rare-names.ts'
import type { TagAnalysis } from '../tags/references.ts'
import { tagExpressions, tagKind } from '../tags/tag-expressions.ts'
import { timeUnitRules } from '../tags/time-unit-rules.ts'
import type { UnitRule } from '../tags/time-units.ts'

/**
 * What a device needs to know about a rules document beyond the document itself, as JSON: the tags
 * in evaluation order with where each is evaluated, the expression nodes that time alone can flip
 * (for `nextChangeAt`), and the fingerprints of the session metrics (a device state restored under
 * new rules keeps the data of the metrics whose definition did not change), and whether the device
 * needs the rare features (rare-names.ts) for it. The collector
 * computes it once per rules version and sends it with the document (`GET /v1/rules?device=1`),
 * so the SDK does not carry the analysis; the SDK computes it itself (a lazily loaded chunk) only
 * for documents it gets inline or from an older collector.
 */
export interface DevicePlan {
  tags: TagAnalysis[]
  units: UnitRule[]
  /** Session metric id → `metricFingerprint` of its definition. */
  fingerprints: Record<string, string>
  /**
   * The device tags or the session metrics use a rare feature (rare-names.ts): devices load
   * them before they compile the document. Absent in plans from before the flag: needed.
   */
  rare?: boolean
  /**
   * What a device cannot evaluate when the rare features' chunk does not load (blocked, offline):
   * the session metrics that use a rare feature, and the device tags that use one or read such a
   * metric or tag (in evaluation order). Those tags stay absent; the others still evaluate. Absent
   * in plans from before it: nothing evaluates without the rare features.
   */
  needsRare?: { metrics: string[]; tags: string[] }
}

/** Every operation name in an expression. */
function operations(rule: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(rule)) for (const item of rule) operations(item, into)
  const op = operationOf(rule)
  if (op !== undefined) {
    into.add(op)
    operations(argumentList((rule as Record<string, unknown>)[op]), into)
  }
  return into
}

/**
 * The {@link DevicePlan} of a document that passed validation.
 *
 * @example
 * const rules = loadDeviceRules(document, devicePlan(document))
 */
export function devicePlan(document: RulesDocument): DevicePlan {
  const tags = deviceAnalysis(document)
  const { metrics } = document
  const session = Object.keys(metrics).filter((id) => metrics[id]!.window === 'session')
  const continuous = new Set(session.filter((id) => CONTINUOUS_AGGREGATIONS.has(metrics[id]!.agg)))
  const onDevice = tags.filter((a) => a.evaluatedOn === 'device')
  const usesRare = (rules: unknown[]) => {
    const used = new Set<string>()
    for (const rule of rules) operations(rule, used)
    return RARE.operations.some((op) => used.has(op))
  }
  const rareMetrics = session.filter(
    (id) =>
      (RARE.aggregations as readonly string[]).includes(metrics[id]!.agg) ||
      usesRare([metrics[id]!.events?.where]),
  )
  // In evaluation order, so a tag's tags are decided before it.
  const rareTags: string[] = []
  for (const a of onDevice) {
    const def = document.tags[a.id]!
    if (
      (RARE.kinds as readonly string[]).includes(tagKind(def)) ||
      usesRare(tagExpressions(def).map(({ rule }) => rule)) ||
      a.metrics.some((id) => rareMetrics.includes(id)) ||
      a.tags.some((id) => rareTags.includes(id))
    )
      rareTags.push(a.id)
  }
  return {
    tags,
    units: timeUnitRules(onDevice, document.tags, continuous),
    fingerprints: Object.fromEntries(session.map((id) => [id, metricFingerprint(metrics[id]!)])),
    rare: rareMetrics.length > 0 || rareTags.length > 0,
    needsRare: { metrics: rareMetrics, tags: rareTags },
  }
}
