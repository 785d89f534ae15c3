import type { Explanation, TagInfo } from '../api.ts'
import type { DeviceState } from './device-state.ts'
import type { RulesDocument, TagValue } from '../document/document.ts'
import { explanation } from '../tags/explanation.ts'
import { compileGeneric } from '../logic/compile-generic.ts'
import { own } from '../state/state-data.ts'
import { compileTag } from '../tags/compile-tag.ts'

/**
 * Why a tag has its value on a device state: a device tag like the full engine's `explain` in
 * device scope (the parity tests check both give the same), an edge tag with the value the edge
 * sent (`durable`) and no parts. Device builds load it with the rare features
 * (rules/device-rare.ts), so a page that never asks does not carry the explainer.
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
  const tag = compileTag(info.id, info.kind, document.tags[info.id]!, true, compileGeneric)
  return explanation(tag, 'device', info.metrics, data, data.tags[info.id] ?? undefined)
}
