// The lazy half of vitals capture: web-vitals and the glue around it, loaded by `vitals.ts` with a
// dynamic import. The npm build leaves it a chunk of its own (the app's bundler keeps it lazy);
// the script-tag build ships it as `tagwise-vitals.js` (scripts/build-sdk.js).
import { onCLS, onINP, onLCP, onTTFB, type Metric } from 'web-vitals'

/**
 * Keeps the latest LCP, INP, CLS and TTFB in `values`, by the name `Page Left` carries them under,
 * rounded: milliseconds to integers, CLS to 4 digits.
 */
export function watch(values: Record<string, number>): void {
  const report =
    (name: string, digits = 0) =>
    ({ value }: Metric) =>
      (values[name] = Number(value.toFixed(digits)))
  // Every change, not only the final value: `Page Left` may be sent before a metric is final.
  const all = { reportAllChanges: true }
  onLCP(report('lcp_ms'), all)
  onINP(report('inp_ms'), all)
  onCLS(report('cls', 4), all)
  onTTFB(report('ttfb_ms'), all)
}
