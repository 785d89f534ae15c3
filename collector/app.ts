import { Hono } from 'hono'
import { publicCors } from './auth/cors.ts'
import type { AppEnv } from './env.ts'
import { notFound, onError } from './http-error.ts'
import { audiences } from './routes/audiences.ts'
import { catalog } from './routes/catalog.ts'
import { changes } from './routes/changes.ts'
import { dev } from './routes/dev.ts'
import { health } from './routes/health.ts'
import { ingest, SHORT_PATHS } from './routes/ingest.ts'
import { profiles } from './routes/profiles.ts'
import { rules } from './routes/rules.ts'
import { tags } from './routes/tags.ts'

/** Routes a browser page may call with a writeKey (answered with CORS headers). */
const PUBLIC_ROUTES = [
  '/v1/batch',
  '/v1/track',
  '/v1/page',
  '/v1/screen',
  '/v1/identify',
  '/v1/alias',
  '/v1/group',
  ...Object.keys(SHORT_PATHS).map((path) => `/v1/${path}`),
  '/v1/rules',
  '/v1/tags',
]

/**
 * The collector's HTTP API (spec: collector.md). Public routes: writeKey and CORS. Admin routes
 * (`/v1/profiles`, `/v1/audiences`, `/v1/catalog`, `/v1/changes`): adminKey and no CORS, since the key never belongs in a browser.
 */
export const app = new Hono<AppEnv>().onError(onError).notFound(notFound)
for (const path of PUBLIC_ROUTES) app.use(path, publicCors())
app.route('/v1', health).route('/v1', ingest).route('/v1', rules).route('/v1', tags)
app.route('/v1', profiles).route('/v1', audiences).route('/v1', catalog).route('/v1', changes)
// Local dev only (DEV_USER_HASH_SOURCE): the demo shop's stand-in for a site backend.
app.route('/dev', dev)
