import type { Rules } from '../api.ts'
import { loadRules } from './load-rules.ts'
import { RulesError } from '../validate/problem.ts'
import { checkRules } from '../validate/check-rules.ts'

/**
 * Compiles a rules document (an object or its JSON text) once into closure trees; throws a
 * {@link RulesError} listing every problem when the document is not valid. No `eval`: it runs under
 * `Content-Security-Policy: script-src 'self'`.
 *
 * @example
 * const rules = compileRules(catalog)
 * const state = rules.createState()
 * state.ingest({ type: 'track', event: 'Coupon Claimed', anonymousId: 'a1', timestamp: new Date().toISOString() })
 * state.evaluate(Date.now()).tags // { coupon_claimer: true, ... }
 */
export function compileRules(input: unknown): Rules {
  const check = checkRules(input)
  if (!check.ok) throw new RulesError(check.problems)
  // A private copy: later changes to the caller's object must not change compiled rules.
  return loadRules(JSON.parse(typeof input === 'string' ? input : JSON.stringify(input)))
}
