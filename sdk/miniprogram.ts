// The public API of `tagwise/miniprogram` (WeChat-style mini-programs): everything not re-exported
// here is private. `npm run build` bundles it: dist/tagwise-miniprogram.js (CommonJS, for `require`
// in a mini-program) and dist/miniprogram.js (ESM, for bundlers).
export { createTagwise } from './wx/create-tagwise.ts'
export type { MiniprogramOptions } from './wx/options.ts'
export type { WxApi } from './wx/types.ts'
export type { Tagwise, TagwiseUser, UserProof } from './core/api.ts'
export type { TagChange } from './core/live-tags.ts'
export type { Explanation, RulesDocument, TagValue } from '../rules/index.ts'
