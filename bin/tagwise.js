#!/usr/bin/env node
// The CLI is written in TypeScript (cli/cli.ts) and built to dist/ by `npm install` (prepare).
import('../dist/cli.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write(
      'tagwise: the CLI is not built yet; run `npm install` (or `npm run build`) first\n',
    )
    process.exit(2)
  }
  throw error
})
