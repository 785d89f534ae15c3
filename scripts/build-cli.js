// The CLI behind `npx tagwise` (dist/cli.js; Node 20 cannot run .ts). A file of its own so the
// CLI's tests rebuild only it: the whole build rewrites dist/public, which the browser tests'
// collector serves at the same time (their pages then failed to load tagwise.js).
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

export const buildCli = () =>
  build({
    bundle: true,
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
    entryPoints: ['cli/cli.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
  })

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli()
