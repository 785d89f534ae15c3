import type { Env } from '../env.ts'
import type { RulesDO } from './rules-do.ts'

/** The RPC methods of the rules object. */
export type RulesRpc = Pick<
  RulesDO,
  'active' | 'publish' | 'versions' | 'backfillStatus' | 'text' | 'preview' | 'previewStatus'
>

/** The one rules object (see `profileStub` for why the stub is typed by hand). */
export const rulesStub = (env: Env): RulesRpc => env.RULES.getByName('rules') as unknown as RulesRpc
