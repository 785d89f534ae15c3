// Every test file starts with the D1 schema of migrations/ (idempotent: applied ones are skipped).
import { applyD1Migrations, env } from 'cloudflare:test'

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
