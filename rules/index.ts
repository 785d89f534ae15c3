// The public API of `tagwise/rules`, the engine as the edge and the CLI run it (rules/edge/), with
// the device engine's API too (rules/device/, whose own entry the SDK uses): everything not
// re-exported here is private.
export { compileRules } from './edge/compile-rules.ts'
export { loadRules } from './edge/load-rules.ts'
export { loadDeviceRules } from './device/load-device-rules.ts'
export type { DeviceRules } from './device/load-device-rules.ts'
export type { DeviceState } from './device/device-state.ts'
export { explainOnDevice } from './device/explain-on-device.ts'
export type { TagData } from './tags/slots.ts'
export { devicePlan } from './device/device-plan.ts'
export { isLegacyDeviceSnapshot } from './device/device-snapshot.ts'
export { upgradeDeviceSnapshot } from './device/legacy-device-snapshot.ts'
export type { DevicePlan } from './device/device-plan.ts'
export type { TagAnalysis } from './tags/references.ts'
export type { UnitRule } from './tags/time-units.ts'
export { checkRules } from './validate/check-rules.ts'
export { DOCUMENT_LIMITS, MAX_MERGED_IDS } from './document/limits.ts'
export { parseEvent, parseTimestamp, eventPath, EVENT_TYPES } from './document/event.ts'
export { RulesError, formatProblem } from './validate/problem.ts'
export { compileLogic, explainLogic, validateLogic } from './edge/logic.ts'
export { truthy } from './logic/values.ts'
export { feature as scoreFeature } from './tags/rare-kinds.ts'
export { LogicError } from './logic/logic-error.ts'
export { didYouMean } from './validate/suggest.ts'
export { glob } from './logic/glob.ts'
export { DEVICE_FEATURES } from './device/features.ts'
export type { Features } from './features.ts'
export { IdentityGraph } from './state/identity.ts'
export {
  anonymousProfile,
  parseProfileName,
  previousProfiles,
  profileName,
  userProfile,
} from './state/profile-key.ts'
export type { IdSpace, ProfileKey } from './state/profile-key.ts'
export type {
  CheckResult,
  EvaluateOptions,
  Evaluation,
  Explanation,
  IngestResult,
  ProfileState,
  Rules,
  StateOptions,
  StateSnapshot,
  TagInfo,
} from './api.ts'
export type {
  Aggregation,
  MetricDef,
  MetricValue,
  RulesDocument,
  TagDef,
  TagKind,
  TagValue,
} from './document/document.ts'
export type { EventType, ParsedEvent, TagwiseEvent } from './document/event.ts'
export type { Json } from './document/json.ts'
export type { ExplainNode } from './logic/explain-logic.ts'
export type { Evaluate } from './logic/operation.ts'
export type { Problem } from './validate/problem.ts'
export type { IdentityFields } from './state/identity.ts'
