import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'

// `--disallow-code-generation-from-strings` makes `eval` and `new Function` throw, as a
// `script-src 'self'` Content-Security-Policy does in a browser.
const directory = mkdtempSync(join(tmpdir(), 'tagwise-csp-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

function runWithoutCodeGeneration(script: string): string {
  const file = join(directory, `script-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(file, script)
  return execFileSync(process.execPath, ['--disallow-code-generation-from-strings', file], {
    encoding: 'utf8',
    stdio: 'pipe',
  })
}

describe('JsonLogic under a Content-Security-Policy without unsafe-eval', () => {
  it('cannot generate code from strings (the flag works)', () => {
    expect(() => runWithoutCodeGeneration("new Function('return 1')()")).toThrow(
      /Code generation from strings disallowed/,
    )
  })

  it('compiles and evaluates the whole classic conformance suite', async () => {
    const bundle = join(directory, 'logic.mjs')
    await build({
      entryPoints: [fileURLToPath(new URL('../../rules/edge/logic.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      outfile: bundle,
      logLevel: 'silent',
    })
    const suite = fileURLToPath(new URL('../fixtures/jsonlogic/compatible.json', import.meta.url))
    const output = runWithoutCodeGeneration(`
      import { readFileSync } from 'node:fs'
      import { compileLogic } from ${JSON.stringify(bundle)}
      let passed = 0
      for (const c of JSON.parse(readFileSync(${JSON.stringify(suite)}, 'utf8'))) {
        if (typeof c === 'string') continue
        const value = compileLogic(c.rule)(c.data)
        if (JSON.stringify(value) === JSON.stringify(c.result)) passed++
        else throw new Error('failed: ' + JSON.stringify(c))
      }
      console.log(passed)
    `)
    expect(output.trim()).toBe('278')
  })
})
