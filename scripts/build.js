// Builds the runnable JS that Node 20 needs (it cannot run .ts): the CLI behind `npx tagwise`
// and the `tagwise/rules` entry, plus the browser SDK (see build-sdk.js), the mini-program
// adapter (see build-miniprogram.js), the npm package's type declarations (see build-types.js) and
// then the Worker's static assets (see build-site.js).
// Runs from `prepare`, so a plain `npm install` leaves a working CLI and demo.
import { build } from 'esbuild'
import { buildCli } from './build-cli.js'
import { buildMiniprogram } from './build-miniprogram.js'
import { buildSdk } from './build-sdk.js'
import { buildSite } from './build-site.js'
import { buildTypes } from './build-types.js'

const common = { bundle: true, format: 'esm', target: 'es2022', logLevel: 'warning' }

await Promise.all([
  buildCli(),
  build({
    ...common,
    entryPoints: ['rules/index.ts'],
    outfile: 'dist/rules.js',
    platform: 'neutral',
  }),
  buildSdk(),
  buildMiniprogram(),
  buildTypes(),
])
// The static assets take the SDK's script-tag build, so they come after it.
await buildSite()
