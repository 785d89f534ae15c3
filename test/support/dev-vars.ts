// The local dev config (.dev.vars.example, which `npm start` copies to .dev.vars): the demo's
// sources, identity secret and keys, which the tests use as the demo does.
import { readFileSync } from 'node:fs'

/** `NAME=value` lines of .dev.vars.example (comments and blank lines skipped; no quoting used). */
export function devVars(): Record<string, string> {
  // From the repository root (the cwd of vitest and of `npm run bench`, whose bundles live elsewhere).
  const text = readFileSync('.dev.vars.example', 'utf8')
  const vars: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (line.startsWith('#') || eq === -1) continue
    vars[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
  }
  return vars
}
