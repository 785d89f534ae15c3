// `npm run bench`: bundles each test/bench/*.bench.ts with esbuild and runs it in its own Node
// process (with --expose-gc so benchmarks can settle the heap between runs). Benchmarks print
// ratios against baselines run in the same process; they are never part of `npm test`.
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const only = process.argv[2]
const files = readdirSync('test/bench')
  .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
  .sort()
mkdirSync('.bench-build', { recursive: true })
await import('./build.js')
for (const file of files) {
  const outfile = join('.bench-build', file.replace(/\.ts$/, '.mjs'))
  await build({
    entryPoints: [join('test/bench', file)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'es2022',
    packages: 'external',
    logLevel: 'warning',
  })
  console.log(`\n## ${file}\n`)
  execFileSync(process.execPath, ['--expose-gc', outfile], { stdio: 'inherit' })
}
