// The fingerprint of a metric definition. Apart from matching events (metric.ts): the edge
// computes fingerprints when it compiles, devices get them in the device plan, so an app's
// bundler keeps this module with the lazy plan.
import type { MetricDef } from '../document/document.ts'

/** A short hash of a text (two 32-bit FNV-1a lanes): every snapshot carries one per metric. */
function hash(text: string): string {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
  }
  return (a >>> 0).toString(36) + (b >>> 0).toString(36)
}

/**
 * A fingerprint of a metric definition: a restored state keeps a metric's data only if it is
 * unchanged. Devices get their session metrics' fingerprints in the device plan.
 */
export const metricFingerprint = (def: MetricDef): string =>
  hash(JSON.stringify([def.events ?? null, def.agg, def.field ?? null, def.window]))
