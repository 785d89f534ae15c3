// The public API of `tagwise/rules`: everything not re-exported here is private.
export { compileRules } from './compile.ts'
export { loadRules } from './load.ts'
export { loadDeviceRules } from './device.ts'
export type { DeviceRules, DeviceState } from './device.ts'
export { explainOnDevice } from './device-explain.ts'
export type { TagData } from './tags.ts'
export { devicePlan } from './device-plan.ts'
export type { DevicePlan } from './device-plan.ts'
export type { TagAnalysis } from './references.ts'
export type { UnitRule } from './time-units.ts'
export { checkRules } from './validate.ts'
export { parseEvent, parseTimestamp, eventPath, EVENT_TYPES } from './event.ts'
export { RulesError, formatProblem } from './problem.ts'
export { compileLogic, explainLogic, truthy, validateLogic, LogicError } from './logic.ts'
export { didYouMean } from './suggest.ts'
export { glob } from './glob.ts'
export { IdentityGraph } from './identity.ts'
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
} from './document.ts'
export type { EventType, ParsedEvent, TagwiseEvent } from './event.ts'
export type { Json } from './json.ts'
export type { ExplainNode, Evaluate } from './logic.ts'
export type { Problem } from './problem.ts'
export type { IdentityFields } from './identity.ts'
