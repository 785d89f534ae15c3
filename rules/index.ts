// The public API of `tagwise/rules`: everything not re-exported here is private.
export { compileRules } from './edge/compile-rules.ts'
export { loadRules } from './edge/load-rules.ts'
export { loadDeviceRules } from './device/load-device-rules.ts'
export type { DeviceRules, DeviceState } from './device/load-device-rules.ts'
export { explainOnDevice } from './device/explain-on-device.ts'
export type { TagData } from './tags/compile-tag.ts'
export { devicePlan } from './device/device-plan.ts'
export type { DevicePlan } from './device/device-plan.ts'
export type { TagAnalysis } from './tags/references.ts'
export type { UnitRule } from './tags/time-units.ts'
export { checkRules } from './validate/check-rules.ts'
export { parseEvent, parseTimestamp, eventPath, EVENT_TYPES } from './document/event.ts'
export { RulesError, formatProblem } from './validate/problem.ts'
export { compileLogic, explainLogic, truthy, validateLogic, LogicError } from './logic/compile-logic.ts'
export { didYouMean } from './validate/suggest.ts'
export { glob } from './logic/glob.ts'
export { IdentityGraph } from './state/identity.ts'
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
export type { ExplainNode, Evaluate } from './logic/compile-logic.ts'
export type { Problem } from './validate/problem.ts'
export type { IdentityFields } from './state/identity.ts'
