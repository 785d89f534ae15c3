// `npm start`, after scripts/dev-setup.js: runs `wrangler dev` on port 8787 and, once it answers,
// publishes the demo's rules (examples/rules/catalog.json) if nothing is published yet. The
// collector ships no rules of its own (a deployment has none until its owner publishes some), so
// the local demo publishes them itself. `If-Match: "0"` makes it idempotent across restarts: once
// any version is active, this or an edited one, it is left alone.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

const persistTo = process.argv[2] ?? '.wrangler/state'
const PORT = 8787
const base = `http://localhost:${PORT}`

const adminKey = readFileSync('.dev.vars', 'utf8').match(/^ADMIN_KEY\s*=\s*"?([^"\n]*)"?\s*$/m)?.[1]
if (!adminKey) {
  console.error('.dev.vars has no ADMIN_KEY: copy it from .dev.vars.example')
  process.exit(1)
}

const wrangler = process.platform === 'win32' ? 'wrangler.cmd' : 'wrangler'
// Inherited stdio keeps wrangler's own output and keyboard shortcuts; readiness is polled instead.
const dev = spawn(
  `node_modules/.bin/${wrangler}`,
  // --test-scheduled: GET /__scheduled runs the daily coverage snapshot on demand.
  ['dev', '--port', String(PORT), '--persist-to', persistTo, '--test-scheduled'],
  { stdio: 'inherit' },
)
dev.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))

async function publishDemoRules() {
  for (let tries = 0; tries < 600; tries++) {
    if (dev.exitCode !== null) return
    try {
      if ((await fetch(`${base}/v1/health`)).ok) break
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const response = await fetch(`${base}/v1/rules`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${adminKey}`,
      'content-type': 'application/json',
      'if-match': '"0"',
    },
    body: readFileSync('examples/rules/catalog.json', 'utf8'),
  })
  if (response.ok) console.log('published the demo rules (examples/rules/catalog.json)')
  else if (response.status !== 412)
    console.error(`publishing the demo rules failed: ${response.status} ${await response.text()}`)
}

publishDemoRules().catch((error) => console.error('publishing the demo rules failed:', error))
