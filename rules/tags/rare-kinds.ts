// The tag kinds device tags rarely are: `tiers`, `cases` and `score`. The edge has them built in
// (rules/edge/features.ts); a device loads them with the other rare features (rules/device/rare.ts)
// only for a document that has a device tag of one of them.
import type { CasesTag, ScoreTag, TiersTag } from '../document/document.ts'
import { toNumeric } from '../document/json.ts'
import { truthy } from '../logic/values.ts'
import { compilePath } from '../metric/metric.ts'
import { present, type KindCompiler, type Kinds } from './kinds.ts'
import type { TagData } from './slots.ts'

/** A score feature as a number: numeric values as numbers, `true` → 1, anything else → 0. */
export function feature(value: unknown): number {
  if (value === true) return 1
  return toNumeric(value) ?? 0
}

function tiers(...[def, compile]: Parameters<KindCompiler>): ReturnType<KindCompiler> {
  const { of: rule, cuts, labels } = (def as TiersTag).tiers
  const of = compile(rule)
  return {
    evaluate: (data) => {
      const x = toNumeric(of(data))
      if (x === undefined) return undefined
      let i = 0
      while (i < cuts.length && cuts[i]! <= x) i++
      return present(labels[i])
    },
  }
}

function cases(...[def, compile]: Parameters<KindCompiler>): ReturnType<KindCompiler> {
  const list = (def as CasesTag).cases.map((c) => ({ when: compile(c.when), then: c.then }))
  const otherwise = (def as CasesTag).else
  return {
    evaluate: (data) => {
      for (const c of list) if (truthy(c.when(data))) return present(c.then)
      return present(otherwise)
    },
  }
}

/** Logistic regression: the probability when it reaches the threshold (rounded to 4 digits). */
function score(...[def, , slots]: Parameters<KindCompiler>): ReturnType<KindCompiler> {
  const { bias = 0, weights, threshold = 0.5 } = (def as ScoreTag).score
  const terms = Object.entries(weights).map(([path, weight]) => {
    const slot = slots?.of(path)
    const read =
      slot === undefined ? compilePath(path) : (data: unknown) => (data as TagData).v[slot]
    return { path, weight, read }
  })
  const probability = (data: TagData) => {
    let z = bias
    for (const t of terms) z += t.weight * feature(t.read(data))
    return 1 / (1 + Math.exp(-z))
  }
  return {
    evaluate: (data) => {
      const p = probability(data)
      return p >= threshold ? Math.round(p * 1e4) / 1e4 : undefined
    },
    explain: (data) => [
      {
        label: 'score',
        tree: {
          op: 'score',
          value: probability(data),
          args: [
            { op: 'bias', value: bias, args: [] },
            ...terms.map((t) => ({
              op: `${t.weight} × ${t.path}`,
              value: t.weight * feature(t.read(data)),
              args: [{ op: 'var', value: t.read(data) ?? null, args: [] }],
            })),
            { op: 'threshold', value: threshold, args: [] },
          ],
        },
      },
    ],
  }
}

/** The rare kinds. */
export const RARE_KINDS: Kinds = { tiers, cases, score }
