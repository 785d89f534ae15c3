// The public API of `tagwise/miniprogram/alipay` (Alipay mini-programs): everything not
// re-exported here is private. `npm run build` bundles it: dist/tagwise-alipay.js (CommonJS, for
// `require` in a mini-program) and dist/alipay.js (ESM, for bundlers).
export { createTagwise } from './my/create-tagwise.ts'
export type { AlipayOptions } from './my/options.ts'
export type { MyApi } from './my/types.ts'
export type { Tagwise, TagwiseUser, UserProof } from './core/api.ts'
export type { TagChange } from './core/live-tags.ts'
export type { Explanation, RulesDocument, TagValue } from '../rules/index.ts'
