import catalog from '../examples/rules/catalog.json'
import { compileRules, type Rules, type RulesDocument } from '../rules/index.ts'
import type { Env } from './env.ts'

/** The rules document in force, compiled, with the version that names it. */
export interface ActiveRules {
  /** Hex prefix of the SHA-256 of `text`: changes whenever the document does. */
  version: string
  /** The document as served by `GET /v1/rules`. */
  text: string
  document: RulesDocument
  rules: Rules
}

let active: Promise<ActiveRules> | undefined

/**
 * The active rules, compiled once per isolate. For now they are the example catalog bundled into
 * the Worker; `env` is taken so a versioned store (`PUT /v1/rules`, in D1 or a Durable Object) can
 * replace the bundle without changing callers.
 */
export function activeRules(_env: Env): Promise<ActiveRules> {
  active ??= load(JSON.stringify(catalog)).catch((error: unknown) => {
    active = undefined
    throw error
  })
  return active
}

async function load(text: string): Promise<ActiveRules> {
  const rules = compileRules(text)
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  const version = [...new Uint8Array(digest).slice(0, 8)]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
  return { version, text, document: rules.document, rules }
}
