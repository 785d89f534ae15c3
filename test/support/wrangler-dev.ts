// Runs the collector under `wrangler dev` (workerd + miniflare, as `npm start` does) for tests and
// benchmarks that need real HTTP: on 127.0.0.1, a free port, its own inspector port and its own
// state directory under the OS temp dir, with the D1 migrations applied first and the example
// catalog published, as `npm start` does (a fresh collector has no rules of its own).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { devVars } from './dev-vars.ts'

export interface WranglerDev {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** The Chrome DevTools inspector of the Worker (for a CPU profile). */
  inspectorPort: number
  /** What wrangler and the Worker printed so far (warnings and errors, `--log-level warn`). */
  output(): string
  /** The process group of wrangler and the workerd it started (to read their CPU time). */
  processGroup: number
  /** Stops wrangler (its whole process group) and removes the state directory. */
  stop(): Promise<void>
}

export interface WranglerDevOptions {
  /**
   * Vars and secrets (`--var NAME:VALUE`) over the local dev config's (.dev.vars.example: the demo's
   * sources); `ADMIN_KEY` publishes the example catalog.
   */
  vars: Record<string, string> & { ADMIN_KEY: string }
  /** Another Worker entry than wrangler.toml's `main`, with the same bindings. */
  script?: string
  /** Where the state directory is made. @default the OS temp dir */
  stateDir?: string
  /** How long to wait for "Ready on", in ms. @default 90000 */
  timeoutMs?: number
}

const WRANGLER = 'node_modules/.bin/wrangler'
// From the repository root (the cwd of vitest and of `npm run bench`, whose bundles live elsewhere).
const CATALOG = readFileSync('examples/rules/catalog.json', 'utf8')
const ENV = { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' }

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const state = mkdtempSync(join(options.stateDir ?? tmpdir(), 'tagwise-dev-'))
  const migrate = spawnSync(
    WRANGLER,
    ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state],
    { env: ENV, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  )
  if (migrate.status !== 0)
    throw new Error(`wrangler d1 migrations apply failed:\n${migrate.stdout}${migrate.stderr}`)
  const port = await freePort()
  const inspectorPort = await freePort()
  const vars = Object.entries({ ...devVars(), ...options.vars }).flatMap(([k, v]) => [
    '--var',
    `${k}:${v}`,
  ])
  const args = [
    'dev',
    ...(options.script ? [options.script] : []),
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    state,
    '--log-level',
    'warn',
    // GET /__scheduled runs the daily Cron Trigger (the coverage snapshot) on demand.
    '--test-scheduled',
    ...vars,
  ]
  // Its own process group, so stop() ends wrangler and the workerd it started.
  const child = spawn(WRANGLER, args, {
    env: ENV,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Undefined only when the spawn failed (the loop below then reports wrangler's exit).
  const processGroup = child.pid ?? -1
  let output = ''
  const url = `http://127.0.0.1:${port}`
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
      if (child.exitCode === null)
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {
          // already gone
        }
    }
    rmSync(state, { recursive: true, force: true })
  }
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))

  // "Ready on" is not printed at --log-level warn: poll the health route instead.
  const deadline = Date.now() + (options.timeoutMs ?? 90_000)
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    try {
      if ((await fetch(`${url}/v1/health`)).ok) {
        await publishCatalog(url, options.vars.ADMIN_KEY).catch(async (error: unknown) => {
          await stop()
          throw error
        })
        return { url, inspectorPort, output: () => output, processGroup, stop }
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  await stop()
  throw new Error(`wrangler dev did not start on ${url}:\n${output}`)
}

/** Publishes examples/rules/catalog.json, the rules the demo, the tests and the benchmarks use. */
async function publishCatalog(url: string, adminKey: string): Promise<void> {
  const response = await fetch(`${url}/v1/rules`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: CATALOG,
  })
  if (!response.ok)
    throw new Error(
      `publishing the example catalog failed: ${response.status} ${await response.text()}`,
    )
}
