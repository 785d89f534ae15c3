// Builds the mini-program adapters, one per runtime (`tagwise/miniprogram` for WeChat,
// `tagwise/miniprogram/alipay`, `tagwise/miniprogram/douyin`), each as:
// - dist/tagwise-<name>.js: one minified CommonJS file for `require()` in a native mini-program
//   (copy it into the project, e.g. to `libs/`). The mini-program runtimes load every .js file as
//   CommonJS; Node would not (this package is `"type": "module"`).
// - dist/<name>.js: ESM for bundlers that build mini-programs (Taro, uni-app, webpack), the
//   package export.
// `node scripts/build-miniprogram.js --example` also copies the CommonJS file into
// examples/miniprogram/libs/, ready to open in WeChat DevTools.
// ES2017 for both: lowers the syntax older iOS runtimes lack (object spread, optional chaining,
// `??`); the runtime has no DOM and the adapter uses none, so no polyfills.
import { copyFile, mkdir } from 'node:fs/promises'
import { build } from 'esbuild'
import { buildMinified } from './minify.js'

/** Entry → name in dist/. */
const ADAPTERS = [
  ['sdk/miniprogram.ts', 'miniprogram'],
  ['sdk/alipay.ts', 'alipay'],
  ['sdk/douyin.ts', 'douyin'],
]

const common = {
  bundle: true,
  platform: 'neutral',
  target: 'es2017',
  legalComments: 'none',
  logLevel: 'warning',
  // One file that loads nothing lazily: without code splitting, esbuild inlines the dynamic
  // imports of the device plan and the rare features (rules/device/rare-chunk.ts).
}

export async function buildMiniprogram() {
  await Promise.all(
    ADAPTERS.flatMap(([entry, name]) => [
      buildMinified({ ...common, entryPoints: [entry], format: 'cjs' }, `dist/tagwise-${name}.js`, {
        ecma: 2017,
      }),
      build({ ...common, entryPoints: [entry], outfile: `dist/${name}.js`, format: 'esm' }),
    ]),
  )
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
