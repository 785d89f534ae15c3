import type { Explanation, TagInfo } from '../api.ts'
import type { DeviceState } from './device-state.ts'
import type { RulesDocument, TagValue } from '../document/document.ts'
import { explanation } from '../tags/explanation.ts'
import { genericCompiler } from '../logic/compile-generic.ts'
import { logicExplainer } from '../logic/explain-logic.ts'
import { own } from '../document/json.ts'
import { compileTag } from '../tags/compile-tag.ts'
import { DEVICE_FEATURES_WITH_RARE } from './rare-features.ts'

const { operations, kinds } = DEVICE_FEATURES_WITH_RARE
const compile = genericCompiler(operations)
const explainLogic = logicExplainer(operations)

/**
 * Why a tag has its value on a device state: a device tag like the full engine's `explain` in
 * device scope (the parity tests check both give the same), an edge tag with the value the edge
 * sent (`durable`) and no parts. Browsers load it with the rare features (rare-chunk.ts), so a
 * page that never asks does not carry the explainer.
 *
 * @example
 * const rules = loadDeviceRules(document, plan)
 * const info = rules.tags.find((t) => t.id === 'checkout_hesitant')!
 * explainOnDevice(document, info, state, Date.now(), durableTags)
 */
export function explainOnDevice(
  document: RulesDocument,
  info: TagInfo,
  state: DeviceState,
  now: number,
  durable: Record<string, TagValue>,
): Explanation {
  if (info.evaluatedOn === 'edge')
    return {
      tag: info.id,
      kind: info.kind,
      value: own(durable, info.id) ?? null,
      evaluatedOn: 'edge',
      parts: [],
      metrics: {},
    }
  const data = state.data(now, durable)
  const tag = compileTag(info.id, info.kind, document.tags[info.id]!, true, { kinds, compile })
  return explanation(
    tag,
    'device',
    info.metrics,
    data,
    data.tags[info.id] ?? undefined,
    explainLogic,
  )
}
