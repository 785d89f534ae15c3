// @vitest-environment node
// The npm entry as a script, a test runner or server-side rendering meets it: in Node, with the
// collector down. The SDK's own timers (batches, retries, time-driven tags) must not keep the
// process alive; `await tw.flush()` is how a script sends before it ends. Runs the file that ships,
// dist/sdk.js (`npm test` builds it first), in a child process of its own.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ENTRY = fileURLToPath(new URL('../../dist/sdk.js', import.meta.url))
const CATALOG = fileURLToPath(new URL('../../examples/rules/catalog.json', import.meta.url))

/**
 * How long a child may take before it counts as held alive: far beyond what its work takes (a
 * start and a refused connection), far below the SDK's retries and session timeout (minutes).
 */
const BOUND_MS = 20_000

/** A port on 127.0.0.1 that nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (typeof address !== 'object' || address === null) throw new Error('no port')
  return address.port
}

/** Runs `script` (an ES module) in a child Node; killed if it has not exited after {@link BOUND_MS}. */
async function runChild(script: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk))
  let killed = false
  const bound = setTimeout(() => {
    killed = true
    child.kill('SIGKILL')
  }, BOUND_MS)
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  clearTimeout(bound)
  return { exitedOnItsOwn: !killed, code, output }
}

/** A script that starts the SDK against a collector that is down, then runs `body`. */
async function script(options: string, body: string) {
  const endpoint = `http://127.0.0.1:${await closedPort()}`
  return `
    import { readFileSync } from 'node:fs'
    import { createTagwise } from ${JSON.stringify(ENTRY)}
    const catalog = JSON.parse(readFileSync(${JSON.stringify(CATALOG)}, 'utf8'))
    const tw = createTagwise({ writeKey: 'k', endpoint: ${JSON.stringify(endpoint)}, ${options} })
    ${body}
  `
}

describe('in Node, with the collector down', () => {
  it('a script that tracks exits on its own (remote rules)', async () => {
    const child = await runChild(await script('', `tw.track('Script Ran')`))
    expect(child.output).toBe('')
    expect(child.exitedOnItsOwn).toBe(true)
    expect(child.code).toBe(0)
  }, 30_000)

  it('a script with time-driven tags on the device exits on its own', async () => {
    // The catalog's session tags change when the session ends: a timer 30 minutes ahead.
    const child = await runChild(
      await script(
        'rules: catalog',
        `tw.track('Coupon Claimed', { coupon_id: 'c1' })
         await tw.ready
         if (!tw.has('coupon_claimer')) console.log('the device tags did not run')`,
      ),
    )
    expect(child.output).toBe('')
    expect(child.exitedOnItsOwn).toBe(true)
    expect(child.code).toBe(0)
  }, 30_000)

  it('await tw.flush() resolves (never rejects) after the failed send, and the script exits', async () => {
    const child = await runChild(
      await script(
        'rules: catalog',
        `tw.track('Script Ran')
         await tw.flush().then(
           () => console.log('resolved; still queued:', tw.queued().events > 0),
           (error) => console.log('rejected', error),
         )`,
      ),
    )
    // The event stays queued (in memory: Node has no IndexedDB) for a retry that never comes.
    expect(child.output).toBe('resolved; still queued: true\n')
    expect(child.exitedOnItsOwn).toBe(true)
    expect(child.code).toBe(0)
  }, 30_000)
})
