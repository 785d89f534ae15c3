// Compiling a metric for the edge's state: its matching (metric.ts) with its window, aggregator and
// fingerprint. Devices match only (rules/device/load-device-rules.ts), so an app's bundler keeps
// what this module adds out of the SDK's initial load.
import { aggregator, type Aggregator } from '../aggregate/aggregator.ts'
import { CONTINUOUS_AGGREGATIONS, type MetricDef } from '../document/document.ts'
import type { Features } from '../features.ts'
import type { Evaluate } from '../logic/operation.ts'
import { matchMetric, type MetricMatcher } from './metric.ts'
import { metricFingerprint } from './metric-fingerprint.ts'
import { parseWindow, type Window } from './window.ts'

/** A metric definition compiled for fast matching. */
export interface CompiledMetric extends MetricMatcher {
  /** See {@link metricFingerprint}. */
  fingerprint: string
  /** Its value moves with time alone (`since_*`, an open dwell visit). */
  continuous: boolean
  window: Window
  aggregator: Aggregator
}

/** Compiles a metric definition that passed validation (`where` with `compile`). */
export function compileMetric(
  id: string,
  def: MetricDef,
  features: Features,
  compile: (rule: unknown) => Evaluate,
): CompiledMetric {
  const window = parseWindow(def.window)
  if (typeof window === 'string') throw new Error(`metrics.${id}.window: ${window}`)
  return {
    ...matchMetric(id, def, compile, features.compileGlob),
    fingerprint: metricFingerprint(def),
    window,
    aggregator: aggregator(def.agg, features.folds[def.agg]!),
    continuous: CONTINUOUS_AGGREGATIONS.has(def.agg),
  }
}
