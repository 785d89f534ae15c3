// `npm start` on a fresh clone, before `wrangler dev`:
// - wrangler dev reads secrets (ADMIN_KEY, SOURCES, DEV_IDENTITY_SECRET) from the gitignored
//   .dev.vars, so create it from the checked-in example once; never overwrite an edited one.
// - wrangler dev does not apply D1 migrations: apply them to the same local state directory it
//   persists to (a different --persist-to would give "no such table"). stdin is closed so wrangler
//   takes its non-interactive "yes" instead of prompting; applied migrations are skipped.
import { spawnSync } from 'node:child_process'
import { appendFileSync, copyFileSync, existsSync, readFileSync } from 'node:fs'

const persistTo = process.argv[2] ?? '.wrangler/state'

const names = (text) =>
  text
    .split('\n')
    .flatMap((line) =>
      line.startsWith('#') || !line.includes('=') ? [] : [line.slice(0, line.indexOf('=')).trim()],
    )
if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars')
  console.log('created .dev.vars from .dev.vars.example (local demo keys)')
} else {
  // A .dev.vars from before a key was added (SOURCES, DEV_IDENTITY_SECRET…): add the missing ones,
  // never change an edited value.
  const have = new Set(names(readFileSync('.dev.vars', 'utf8')))
  const missing = readFileSync('.dev.vars.example', 'utf8')
    .split('\n')
    .filter(
      (line) =>
        !line.startsWith('#') &&
        line.includes('=') &&
        !have.has(line.slice(0, line.indexOf('=')).trim()),
    )
  if (missing.length) {
    appendFileSync('.dev.vars', `\n${missing.join('\n')}\n`)
    console.log(
      `added to .dev.vars from .dev.vars.example: ${names(missing.join('\n')).join(', ')}`,
    )
  }
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
