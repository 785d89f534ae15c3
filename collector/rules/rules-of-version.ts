import { compileRules, type Rules } from '../../rules/index.ts'
import type { Env } from '../env.ts'
import { MAX_RULES_BYTES } from '../limits.ts'
import { activeInIsolate } from './active-rules.ts'
import { rulesStub } from './stub.ts'

/** Compiled documents kept per isolate, at most (a preview needs two at a time). */
const KEPT = 8
/**
 * Text of the documents kept compiled per isolate, at most, in UTF-16 code units (at most its
 * UTF-8 bytes): two documents of the largest size `PUT /v1/rules` takes, a preview's active side
 * and its draft. A compiled document keeps about 19 times its text in heap (the largest legal
 * document, 0.94 MB, keeps 18 MB: README, "At the limits of the language"), so eight documents
 * near 1 MB would hold some 150 MB, past an isolate's 128 MB; two hold under 40 MB.
 */
const KEPT_TEXT = 2 * MAX_RULES_BYTES

const compiled = new Map<string, Promise<Rules | undefined>>()
/** The text length of each compiled document kept (documents still being fetched count none). */
const lengths = new Map<string, number>()

/**
 * The compiled rules of `version`: a published version, `UNPUBLISHED_VERSION`, or the draft of a
 * kept preview (`RulesDO.text`); `undefined` when the rules object knows no such version. A
 * version names its text (a hash), so each is fetched and compiled once per isolate, however many
 * profiles of a preview ask, and profiles are never sent the document itself. The version this
 * isolate runs as active is taken from `activeRules`, never compiled a second time.
 */
export async function rulesOfVersion(env: Env, version: string): Promise<Rules | undefined> {
  const active = await activeInIsolate()
  if (active?.version === version) return active.rules
  let rules = compiled.get(version)
  if (rules === undefined) {
    rules = rulesStub(env)
      .text(version)
      .then((text) => {
        if (text === null) return undefined
        const compiledText = compileRules(text)
        if (compiled.get(version) === rules) {
          lengths.set(version, text.length)
          keepWithinBounds(version)
        }
        return compiledText
      })
    compiled.set(version, rules)
    // A failed or unknown lookup is asked again next time (a draft may be stored meanwhile).
    const asked = rules
    asked.then(
      (found) => {
        if (found === undefined) forget(version, asked)
      },
      () => forget(version, asked),
    )
  }
  return rules
}

/**
 * Drops the least recently added documents until at most `KEPT` remain and their text is at most
 * `KEPT_TEXT`; `newest`, just compiled, stays (its caller needs it).
 */
function keepWithinBounds(newest: string): void {
  let length = [...lengths.values()].reduce((sum, each) => sum + each, 0)
  for (const version of compiled.keys()) {
    if (compiled.size <= KEPT && length <= KEPT_TEXT) break
    if (version === newest) continue
    length -= lengths.get(version) ?? 0
    compiled.delete(version)
    lengths.delete(version)
  }
}

function forget(version: string, rules: Promise<Rules | undefined>): void {
  if (compiled.get(version) !== rules) return
  compiled.delete(version)
  lengths.delete(version)
}

/** The versions kept compiled in this isolate, oldest first (for tests). */
export const keptVersions = (): string[] => [...compiled.keys()]
