// The public API of `tagwise/miniprogram/douyin` (Douyin mini-programs): everything not
// re-exported here is private. `npm run build` bundles it: dist/tagwise-douyin.js (CommonJS, for
// `require` in a mini-program) and dist/douyin.js (ESM, for bundlers).
export { createTagwise } from './tt/create-tagwise.ts'
export type { DouyinOptions } from './tt/options.ts'
export type { TtApi } from './tt/types.ts'
export type { Tagwise, TagwiseUser, UserProof } from './core/api.ts'
export type { TagChange } from './core/live-tags.ts'
export type { Explanation, RulesDocument, TagValue } from '../rules/index.ts'
