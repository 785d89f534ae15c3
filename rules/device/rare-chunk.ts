// The entry of the rare-features chunk that browsers load lazily (rules/device/rare-names.ts says
// which features are rare; scripts/lazy-chunks.js makes the chunk): the device engine with them,
// for `loadDeviceRules`, and the device explainer, which needs them for the documents that use them.
export { DEVICE_FEATURES_WITH_RARE as features } from './rare-features.ts'
export { explainOnDevice } from './explain-on-device.ts'
