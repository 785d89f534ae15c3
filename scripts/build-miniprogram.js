// Builds the mini-program adapter (`tagwise/miniprogram`):
// - dist/tagwise-miniprogram.js: one minified CommonJS file for `require()` in a native
//   mini-program (copy it into the project, e.g. to `libs/`). The mini-program runtime loads every
//   .js file as CommonJS; Node would not (this package is `"type": "module"`).
// - dist/miniprogram.js: ESM for bundlers that build mini-programs (Taro, uni-app, webpack), the
//   `tagwise/miniprogram` export.
// `node scripts/build-miniprogram.js --example` also copies the CommonJS file into
// examples/miniprogram/libs/, ready to open in WeChat DevTools.
// ES2017 for both: lowers the syntax older iOS runtimes lack (object spread, optional chaining,
// `??`); the runtime has no DOM and the adapter uses none, so no polyfills.
import { copyFile, mkdir } from 'node:fs/promises'
import { build } from 'esbuild'
import { buildMinified } from './minify.js'

const common = {
  entryPoints: ['sdk/miniprogram.ts'],
  bundle: true,
  platform: 'neutral',
  target: 'es2017',
  legalComments: 'none',
  logLevel: 'warning',
  // One file that loads nothing lazily: without code splitting, esbuild inlines the dynamic
  // imports of the device plan and the rare features (rules/device/rare-chunk.ts).
}

export async function buildMiniprogram() {
  await Promise.all([
    buildMinified({ ...common, format: 'cjs' }, 'dist/tagwise-miniprogram.js', { ecma: 2017 }),
    build({ ...common, outfile: 'dist/miniprogram.js', format: 'esm' }),
  ])
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildMiniprogram()
  if (process.argv.includes('--example')) {
    await mkdir('examples/miniprogram/libs', { recursive: true })
    await copyFile(
      'dist/tagwise-miniprogram.js',
      'examples/miniprogram/libs/tagwise-miniprogram.js',
    )
  }
}
