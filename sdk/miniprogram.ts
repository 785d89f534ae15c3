// The public API of `tagwise/miniprogram` (WeChat-style mini-programs): everything not re-exported
// here is private. `npm run build` bundles it: dist/tagwise-miniprogram.js (CommonJS, for `require`
// in a mini-program) and dist/miniprogram.js (ESM, for bundlers).
export { createTagwise } from './tagwise-wx.ts'
export type { MiniprogramOptions } from './miniprogram-options.ts'
export type { WxApi } from './wx-types.ts'
export type { Tagwise, TagwiseUser } from './api.ts'
export type { TagChange } from './tags.ts'
export type { Explanation, RulesDocument, TagValue } from '../rules/index.ts'
