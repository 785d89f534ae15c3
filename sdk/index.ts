// The public API of `tagwise` (the browser SDK): everything not re-exported here is private.
export { createTagwise } from './browser/create-tagwise.ts'
export type { Tagwise, TagwiseUser, UserProof } from './core/api.ts'
export type { TagwiseOptions } from './browser/options.ts'
export type { TagChange } from './core/live-tags.ts'
export type { Explanation, RulesDocument, TagValue } from '../rules/index.ts'
