import type { Rules, StateOptions, StateSnapshot, TagInfo } from '../api.ts'
import type { Logic, RulesDocument } from '../document/document.ts'
import { compileMetric } from '../metric/compile-metric.ts'
import { metricRouter } from '../metric/metric.ts'
import { analyzeTags } from '../tags/references.ts'
import type { CompiledRules } from '../state/compiled-rules.ts'
import { createProfileState } from '../state/state.ts'
import { compileTag } from '../tags/compile-tag.ts'
import { slotsFor } from '../tags/slots.ts'
import { timeUnitRules } from '../tags/time-unit-rules.ts'
import { compileUnits } from '../tags/time-units.ts'
import { unitShapes } from '../tags/unit-shapes.ts'
import { EDGE_FEATURES } from './features.ts'
import { compileEdgeLogic, explainLogic } from './logic.ts'

const DEFAULT_TIMEOUT_MINUTES = 30

/**
 * Builds compiled rules from a document that is known to be valid, without validating it: what
 * `compileRules` does after `checkRules`. For code that must stay small and receives documents
 * validated elsewhere (the browser SDK gets its rules from the collector, which validates them on
 * `PUT /v1/rules`); bundlers then leave the validator out. A bad document fails here with a plain
 * error or evaluates wrongly: use `compileRules` for anything a person wrote.
 *
 * @example
 * const rules = loadRules(await (await fetch('/v1/rules')).json())
 * const state = rules.createState()
 */
export function loadRules(document: RulesDocument): Rules {
  const metrics = Object.entries(document.metrics).map(([id, def]) =>
    compileMetric(id, def, EDGE_FEATURES, compileEdgeLogic),
  )
  const facts = Object.fromEntries(
    Object.entries(document.metrics).map(([id, m]) => [id, { window: m.window, agg: m.agg }]),
  )
  const analysis = analyzeTags(document.tags, facts, [])
  const info = new Map<string, TagInfo>()
  for (const a of analysis)
    info.set(a.id, {
      id: a.id,
      kind: a.kind,
      evaluatedOn: a.evaluatedOn,
      metrics: a.metrics,
      tags: a.tags,
    })
  const slots = slotsFor(
    metrics.map((m) => m.id),
    analysis.map((a) => a.id),
  )
  const compile = (rule: Logic) => compileEdgeLogic(rule, { slot: slots.of })
  const compiler = { kinds: EDGE_FEATURES.kinds, compile, slots }
  const tags = analysis.map((a) =>
    compileTag(a.id, a.kind, document.tags[a.id]!, a.evaluatedOn === 'device', compiler),
  )
  const timeout = (document.session?.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000
  const continuous = new Set(metrics.filter((m) => m.continuous).map((m) => m.id))
  const unitRules = timeUnitRules(analysis, document.tags, continuous)
  const shapes = unitShapes(unitRules, analysis, document.tags, continuous, compileEdgeLogic)
  const compiled: CompiledRules = {
    metrics,
    route: metricRouter(metrics),
    tags,
    slots,
    info,
    timeout,
    units: compileUnits(unitRules, tags, (rule: Logic) => compileEdgeLogic(rule)).map(
      (unit, i) => ({ ...unit, shape: shapes[i] }),
    ),
    explain: explainLogic,
  }
  return {
    document,
    sessionTimeoutMs: timeout,
    tags: [...info.values()],
    metricIds: metrics.map((m) => m.id),
    createState: (options?: StateOptions) => createProfileState(compiled, options),
    restore: (snapshot: StateSnapshot, options?: StateOptions) =>
      createProfileState(compiled, options, snapshot),
  }
}
