// Every test file starts with the D1 schema of migrations/ (idempotent: applied ones are skipped)
// and, as `npm start` does, the example catalog published: a fresh collector has no rules
// (collector/rules/active-rules.ts). Storage is isolated per test file, so no-rules.test.ts, which
// proves that fresh state, skips the publication and sees it.
import { applyD1Migrations, env } from 'cloudflare:test'
import { expect } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { admin } from './helpers.ts'

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)

if (!expect.getState().testPath?.endsWith('/no-rules.test.ts')) {
  const published = await admin('/v1/rules', { method: 'PUT', body: JSON.stringify(catalog) })
  if (!published.ok)
    throw new Error(`publishing the example catalog failed: ${await published.text()}`)
}
