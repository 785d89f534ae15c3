import type { Rules, StateOptions, StateSnapshot, TagInfo } from './api.ts'
import type { Logic, RulesDocument, TagDef } from './document.ts'
import { compileLogic, logicVars } from './logic.ts'
import { compileMetric } from './metric.ts'
import { RulesError } from './problem.ts'
import { analyzeTags, nodes, type TagAnalysis } from './references.ts'
import { createProfileState, type Core, type TimeUnit } from './state.ts'
import { compileTag } from './tags.ts'
import { checkRules } from './validate.ts'

const DEFAULT_TIMEOUT_MINUTES = 30
const TIME_OPS = new Set(['<', '<=', '>', '>=', '==', '!=', '===', '!==', '!', '!!'])
const EQUALITIES = new Set(['==', '!=', '===', '!=='])
const BETWEENS = new Set(['<', '<='])

/**
 * Compiles a rules document (an object or its JSON text) once into closure trees; throws a
 * {@link RulesError} listing every problem when the document is not valid. No `eval`: it runs under
 * `Content-Security-Policy: script-src 'self'`.
 *
 * @example
 * const rules = compileRules(catalog)
 * const state = rules.createState()
 * state.ingest({ type: 'track', event: 'Coupon Claimed', anonymousId: 'a1', timestamp: new Date().toISOString() })
 * state.evaluate(Date.now()).tags // { coupon_claimer: true, ... }
 */
export function compileRules(input: unknown): Rules {
  const check = checkRules(input)
  if (!check.ok) throw new RulesError(check.problems)
  // A private copy: later changes to the caller's object must not change compiled rules.
  const document = JSON.parse(
    typeof input === 'string' ? input : JSON.stringify(input),
  ) as RulesDocument
  const metrics = Object.entries(document.metrics).map(([id, def]) => compileMetric(id, def))
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
  const tags = analysis.map((a) => compileTag(a.id, document.tags[a.id]!))
  const timeout = (document.session?.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000
  const core: Core = {
    metrics,
    tags,
    info,
    timeout,
    units: timeUnits(
      analysis,
      document.tags,
      new Set(metrics.filter((m) => m.continuous).map((m) => m.id)),
      tags,
    ),
  }
  return {
    document,
    sessionTimeoutMs: timeout,
    tags: [...info.values()],
    metricIds: metrics.map((m) => m.id),
    createState: (options?: StateOptions) => createProfileState(core, options),
    restore: (snapshot: StateSnapshot, options?: StateOptions) =>
      createProfileState(core, options, snapshot),
  }
}

/**
 * The expression nodes whose value can move with time alone: comparisons that read a continuous
 * metric, `now` or a time-dependent tag, plus every time-dependent tag's own value.
 */
function timeUnits(
  analysis: TagAnalysis[],
  defs: Record<string, TagDef>,
  continuous: Set<string>,
  compiled: ReturnType<typeof compileTag>[],
): TimeUnit[] {
  const timeTags = new Set(analysis.filter((a) => a.timeDependent).map((a) => a.id))
  const moves = (path: string) => {
    const [root, key = ''] = path.split('.')
    return (
      root === 'now' ||
      (root === 'metrics' && continuous.has(key)) ||
      (root === 'tags' && timeTags.has(key))
    )
  }
  const units: TimeUnit[] = []
  for (const tag of compiled) {
    if (!timeTags.has(tag.id)) continue
    for (const { rule } of tag.parts) {
      for (const { op, node } of nodes(rule)) {
        if (!TIME_OPS.has(op)) continue
        const { paths, dynamic } = logicVars(node)
        if (!dynamic && !paths.some(moves)) continue
        units.push({ tag: tag.id, evaluate: compileLogic(node) })
        // An equality holds at a single instant, so bisection between two times where it is false
        // cannot see it; its two monotone halves (<= and >=) flip exactly there.
        const args = (node as Record<string, unknown>)[op]
        if (EQUALITIES.has(op) && Array.isArray(args) && args.length === 2) {
          for (const half of ['<=', '>=']) {
            units.push({ tag: tag.id, evaluate: compileLogic({ [half]: args } as Logic) })
          }
        }
        // The between forms (a < b < c) flip twice; each of their two comparisons flips once.
        if (BETWEENS.has(op) && Array.isArray(args) && args.length === 3) {
          for (const pair of [args.slice(0, 2), args.slice(1)]) {
            units.push({ tag: tag.id, evaluate: compileLogic({ [op]: pair } as Logic) })
          }
        }
      }
    }
    // A tier changes where its number crosses a cut: each cut is a comparison of its own.
    const def = defs[tag.id]
    if (def && 'tiers' in def) {
      for (const cut of def.tiers.cuts) {
        units.push({ tag: tag.id, evaluate: compileLogic({ '>=': [def.tiers.of, cut] } as Logic) })
      }
    }
    units.push({ tag: tag.id, evaluate: (data) => tag.evaluate(data) })
  }
  return units
}
