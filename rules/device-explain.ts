import type { Explanation, TagInfo } from './api.ts'
import type { DeviceState } from './device-state.ts'
import type { RulesDocument, TagValue } from './document.ts'
import { explanation } from './explanation.ts'
import { compileGeneric } from './logic-generic.ts'
import { compileTag } from './tags.ts'

/**
 * Why a device tag has its value on a device state, like the full engine's `explain` in device
 * scope (the parity tests check both give the same). Device builds load it with the rare features
 * (rules/device-rare.ts), so a page that never asks does not carry the explainer.
 *
 * @example
 * const rules = loadDeviceRules(document, plan)
 * const info = rules.tags.find((t) => t.id === 'checkout_hesitant')!
 * explainDeviceTag(document, info, state, Date.now(), durableTags)
 */
export function explainDeviceTag(
  document: RulesDocument,
  info: TagInfo,
  state: DeviceState,
  now: number,
  durable: Record<string, TagValue>,
): Explanation {
  const data = state.data(now, durable)
  const tag = compileTag(info.id, document.tags[info.id]!, true, compileGeneric)
  return explanation(tag, 'device', info.metrics, data, data.tags[info.id] ?? undefined)
}
