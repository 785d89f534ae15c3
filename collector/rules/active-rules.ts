import { compileRules, type Rules, type RulesDocument } from '../../rules/index.ts'
import type { Env } from '../env.ts'
import { rulesStub } from './stub.ts'

/** The rules document in force, compiled, with the version that names it. */
export interface ActiveRules {
  /** Hex prefix of the SHA-256 of `text`: changes whenever the document does. */
  version: string
  /** The document as served by `GET /v1/rules`. */
  text: string
  document: RulesDocument
  rules: Rules
}

/**
 * The document in force while nothing was published: valid and empty, so a fresh deployment
 * stores events and answers empty tags until its owner publishes rules (`PUT /v1/rules`). The
 * collector ships no rules of its own: the demo catalog is published by the local setup
 * (`scripts/dev.js`), never bundled.
 */
export const UNPUBLISHED_RULES = '{"version":1,"metrics":{},"tags":{}}'
/**
 * The version of {@link UNPUBLISHED_RULES}: `0`, which no published version (a hash prefix) can
 * be, so `If-Match: "0"` publishes only if nothing was published yet.
 */
export const UNPUBLISHED_VERSION = '0'

/** How often an isolate asks the rules object for the active version, in ms. @default 5000 */
const DEFAULT_REFRESH_MS = 5000

let current: { rules: Promise<ActiveRules>; checkedAt: number } | undefined
let unpublished: Promise<ActiveRules> | undefined

/**
 * The active rules: the latest published version (`PUT /v1/rules`, kept by `RulesDO`), else
 * {@link UNPUBLISHED_RULES}. Compiled once per version and isolate; the active version is looked up at most
 * every `RULES_REFRESH_MS` (a publication in this isolate applies at once), so profiles pick up a
 * new version on their next event or alarm after at most that delay.
 */
export function activeRules(env: Env): Promise<ActiveRules> {
  const now = Date.now()
  const refreshMs = Number(env.RULES_REFRESH_MS ?? DEFAULT_REFRESH_MS)
  if (current && now - current.checkedAt < refreshMs) return current.rules
  const rules = lookUp(env, current?.rules)
  current = { rules, checkedAt: now }
  rules.catch(() => {
    if (current?.rules === rules) current = undefined
  })
  return rules
}

/**
 * The active rules if they are `version` (re-reading the rules object when this isolate knows
 * another one), else `undefined`: `version` was superseded.
 */
export async function activeRulesAt(env: Env, version: string): Promise<ActiveRules | undefined> {
  let active = await activeRules(env)
  if (active.version !== version) {
    current = undefined
    active = await activeRules(env)
  }
  return active.version === version ? active : undefined
}

/**
 * The active rules this isolate holds now, without asking the rules object (`undefined` before
 * its first lookup, or after a failed one): a preview's active side is usually this very version.
 */
export function activeInIsolate(): Promise<ActiveRules | undefined> {
  return current?.rules.catch(() => undefined) ?? Promise.resolve(undefined)
}

/** Makes `text` (just published) active in this isolate at once; resolves to it compiled. */
export function useRules(text: string): Promise<ActiveRules> {
  const rules = compile(text)
  current = { rules, checkedAt: Date.now() }
  return rules
}

/** {@link UNPUBLISHED_RULES}, compiled once per isolate. */
function unpublishedRules(): Promise<ActiveRules> {
  unpublished ??= compile(UNPUBLISHED_RULES, UNPUBLISHED_VERSION)
  return unpublished
}

/** The version of a document's text: a hex prefix of its SHA-256. */
export async function rulesVersion(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(digest).slice(0, 8)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
}

async function lookUp(env: Env, previous?: Promise<ActiveRules>): Promise<ActiveRules> {
  const known = await previous?.catch(() => undefined)
  let answer: { version: string; text?: string } | null
  try {
    answer = await rulesStub(env).active(known?.version)
  } catch (error) {
    // The rules object is unreachable: keep serving the rules this isolate knows, if any.
    if (known) return known
    throw error
  }
  if (answer === null) return unpublishedRules()
  // No text: the version asked about (`known`) is still the active one.
  return answer.text === undefined ? known! : compile(answer.text)
}

async function compile(text: string, version?: string): Promise<ActiveRules> {
  const rules = compileRules(text)
  return { version: version ?? (await rulesVersion(text)), text, document: rules.document, rules }
}
