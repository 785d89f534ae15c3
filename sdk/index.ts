// The public API of `tagwise` (the browser SDK): everything not re-exported here is private.
export { createTagwise } from './tagwise.ts'
export type { Tagwise, TagwiseUser } from './api.ts'
export type { TagwiseOptions } from './options.ts'
export type { TagChange } from './tags.ts'
export type { Explanation, RulesDocument, TagValue } from '../rules/index.ts'
