import { Hono } from 'hono'
import { activeRules } from '../active-rules.ts'
import type { AppEnv } from '../env.ts'
import { authorizeSource, basicWriteKey } from '../source-auth.ts'

/**
 * `GET /v1/rules` (writeKey) → the active rules document with a strong `ETag` (its version);
 * `If-None-Match` with that tag → `304`, so the SDK revalidates without downloading it again.
 */
export const rules = new Hono<AppEnv>().get('/rules', async (c) => {
  authorizeSource(c, basicWriteKey(c.req.header('authorization')))
  const active = await activeRules(c.env)
  const etag = `"${active.version}"`
  const headers = { ETag: etag, 'Cache-Control': 'no-cache' }
  if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers)
  return c.body(active.text, 200, { ...headers, 'Content-Type': 'application/json' })
})

/** `If-None-Match` matching is weak (RFC 9110 13.1.2): `W/` prefixes are ignored; `*` matches. */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag)
}
