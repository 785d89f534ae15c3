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
  const used = new Set<string>()
  for (const id of session) operations(metrics[id]!.events?.where, used)
  for (const { id } of onDevice)
    for (const { rule } of tagExpressions(document.tags[id]!)) operations(rule, used)
  const rare =
    RARE.operations.some((op) => used.has(op)) ||
    session.some((id) => (RARE.aggregations as readonly string[]).includes(metrics[id]!.agg)) ||
    onDevice.some((a) => (RARE.kinds as readonly string[]).includes(tagKind(document.tags[a.id]!)))
  return {
    tags,
    units: timeUnitRules(onDevice, document.tags, continuous),
    fingerprints: Object.fromEntries(session.map((id) => [id, metricFingerprint(metrics[id]!)])),
    rare,
  }
}
