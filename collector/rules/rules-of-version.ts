import { compileRules, type Rules } from '../../rules/index.ts'
import type { Env } from '../env.ts'
import { rulesStub } from './stub.ts'

/** Compiled documents kept per isolate (a preview needs two at a time). */
const KEPT = 8

const compiled = new Map<string, Promise<Rules | undefined>>()

/**
 * The compiled rules of `version`: a published version, `UNPUBLISHED_VERSION`, or the draft of a
 * kept preview (`RulesDO.text`); `undefined` when the rules object knows no such version. A
 * version names its text (a hash), so each is fetched and compiled once per isolate, however many
 * profiles of a preview ask, and profiles are never sent the document itself.
 */
export function rulesOfVersion(env: Env, version: string): Promise<Rules | undefined> {
  let rules = compiled.get(version)
  if (rules === undefined) {
    rules = rulesStub(env)
      .text(version)
      .then((text) => (text === null ? undefined : compileRules(text)))
    compiled.set(version, rules)
    // A failed or unknown lookup is asked again next time (a draft may be stored meanwhile).
    const asked = rules
    asked.then(
      (found) => {
        if (found === undefined) forget(version, asked)
      },
      () => forget(version, asked),
    )
    // Least recently added first out.
    for (const old of compiled.keys()) {
      if (compiled.size <= KEPT) break
      compiled.delete(old)
    }
  }
  return rules
}

function forget(version: string, rules: Promise<Rules | undefined>): void {
  if (compiled.get(version) === rules) compiled.delete(version)
}
