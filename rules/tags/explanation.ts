// An `explain` result: the tag's parts as explained trees, the metrics it reads, its value. The
// full engine builds it in `ProfileState.explain`, the device in `explainOnDevice`, which loads
// with the rare features (rules/device/rare-chunk.ts) so that devices do not carry the explainer.
import type { Explanation } from '../api.ts'
import type { MetricValue, TagValue } from '../document/document.ts'
import type { ExplainLogic } from '../logic/explain-logic.ts'
import type { CompiledTag } from './compile-tag.ts'
import { tagExpressions } from './tag-expressions.ts'
import type { TagData } from './slots.ts'

/** Explains `tag` as it evaluates on `data` (expressions with `explainLogic`), where its value is `value`. */
export function explanation(
  tag: CompiledTag,
  evaluatedOn: Explanation['evaluatedOn'],
  reads: readonly string[],
  data: TagData,
  value: TagValue | undefined,
  explainLogic: ExplainLogic,
): Explanation {
  const metrics: Record<string, MetricValue> = {}
  for (const id of reads) metrics[id] = data.metrics[id] ?? null
  const parts =
    tag.explain?.(data) ??
    tagExpressions(tag.def).map(({ label, rule }) => ({ label, tree: explainLogic(rule, data) }))
  const error = parts.map((p) => p.tree.error).find((e) => e !== undefined)
  return {
    tag: tag.id,
    kind: tag.kind,
    value: value ?? null,
    evaluatedOn,
    parts,
    metrics,
    ...(error !== undefined ? { error } : {}),
  }
}
