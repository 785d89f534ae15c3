// The device engine's entry: what the browser SDK and the mini-program adapter use. Four more
// modules are entries of their own, for a device to load lazily: device-plan.ts (`devicePlan`, for
// inline rules), rare-chunk.ts (the rare features, and the explainer), time-chunk.ts (`unitFlips`,
// for time-dependent device tags) and legacy-device-snapshot.ts (`upgradeDeviceSnapshot`, for a
// snapshot an earlier SDK stored).
export { loadDeviceRules } from './load-device-rules.ts'
export type { DeviceRules } from './load-device-rules.ts'
export type { DeviceState } from './device-state.ts'
export { isLegacyDeviceSnapshot } from './device-snapshot.ts'
export type { DevicePlan } from './device-plan.ts'
export { DEVICE_FEATURES } from './features.ts'
// Small helpers the SDK shares with the engine.
export { isObject, own } from '../document/json.ts'
export type { Features } from '../features.ts'
