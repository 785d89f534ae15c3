import { CONTINUOUS_AGGREGATIONS, type RulesDocument } from '../document/document.ts'
import { logicVars } from '../logic/logic-vars.ts'
import type { TagAnalysis } from '../tags/references.ts'
import { tagExpressions, tagKind } from '../tags/tag-expressions.ts'

/**
 * What `analyzeTags` (rules/references.ts) finds for a document that passed validation, without its
 * problem reporting: the tags in evaluation order (dependencies first, then document order), what
 * each reads, where it is evaluated and whether time alone moves it. The device compiles documents
 * the collector validated, so the messages for bad ones would only be bytes; the device parity tests
 * check both give the same answers.
 */
export function deviceAnalysis(document: RulesDocument): TagAnalysis[] {
  const { metrics, tags } = document
  const allMetrics = Object.keys(metrics)
  const done = new Map<string, TagAnalysis>()
  const visiting = new Set<string>()
  const visit = (id: string) => {
    if (done.has(id) || visiting.has(id)) return
    visiting.add(id)
    const def = tags[id]!
    const reads = new Set<string>()
    const deps = new Set<string>()
    let now = false
    const read = (path: string) => {
      const [root, key] = path.split('.')
      if (root === 'metrics') {
        if (key === undefined) allMetrics.forEach((m) => reads.add(m))
        else if (key in metrics) reads.add(key)
      } else if (root === 'tags' && key !== undefined && key in tags) deps.add(key)
      else if (root === 'now') now = true
    }
    for (const { rule } of tagExpressions(def)) {
      const { paths, dynamic } = logicVars(rule)
      if (dynamic) {
        allMetrics.forEach((m) => reads.add(m))
        now = true
      }
      paths.forEach(read)
    }
    if ('score' in def) Object.keys(def.score.weights).forEach(read)
    deps.forEach(visit)
    const direct = [...reads]
    done.set(id, {
      id,
      kind: tagKind(def),
      evaluatedOn: direct.every((m) => metrics[m]!.window === 'session') ? 'device' : 'edge',
      metrics: direct,
      tags: [...deps],
      timeDependent:
        now ||
        direct.some((m) => CONTINUOUS_AGGREGATIONS.has(metrics[m]!.agg)) ||
        [...deps].some((t) => done.get(t)?.timeDependent),
    })
  }
  Object.keys(tags).forEach(visit)
  return [...done.values()]
}
