// `npm start` on a fresh clone, before `wrangler dev`:
// - wrangler dev reads secrets (ADMIN_KEY) from the gitignored .dev.vars, so create it from the
//   checked-in example once; never overwrite an edited one.
// - wrangler dev does not apply D1 migrations: apply them to the same local state directory it
//   persists to (a different --persist-to would give "no such table"). stdin is closed so wrangler
//   takes its non-interactive "yes" instead of prompting; applied migrations are skipped.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync } from 'node:fs'

const persistTo = process.argv[2] ?? '.wrangler/state'

if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars')
  console.log('created .dev.vars from .dev.vars.example (local demo keys)')
}

const wrangler = process.platform === 'win32' ? 'wrangler.cmd' : 'wrangler'
const applied = spawnSync(
  `node_modules/.bin/${wrangler}`,
  ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo],
  { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
)
if (applied.status !== 0) {
  process.stdout.write(applied.stdout ?? '')
  console.error('applying the D1 migrations failed (see above)')
  process.exit(applied.status ?? 1)
}
console.log('D1 migrations applied to', persistTo)
