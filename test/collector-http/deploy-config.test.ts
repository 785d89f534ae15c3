// Fail-closed deployment (issue 16, finding 6): `wrangler deploy` with the repository's
// wrangler.toml exposes no key. The demo's sources, identity secret and adminKey live only in the
// local dev config (.dev.vars.example, copied to the gitignored .dev.vars by `npm start`).
import { unstable_readConfig } from 'wrangler'
import { describe, expect, it } from 'vitest'
import { devVars } from '../support/dev-vars.ts'

describe('the deploy config (wrangler.toml)', () => {
  const config = unstable_readConfig({ config: 'wrangler.toml' })
  const vars = config.vars as Record<string, unknown>

  it('configures no source, writeKey, secret or dev-only route', () => {
    expect(vars).not.toHaveProperty('SOURCES')
    expect(vars).not.toHaveProperty('ADMIN_KEY')
    expect(vars).not.toHaveProperty('DEV_IDENTITY_SECRET')
    expect(vars).not.toHaveProperty('DEV_USER_HASH_SOURCE')
    const text = JSON.stringify(vars)
    for (const key of ['demo-write-key', 'demo-server-key', 'dev-admin-key', 'dev-identity-secret'])
      expect(text).not.toContain(key)
  })

  it('leaves the demo sources to the local dev config', () => {
    const dev = devVars()
    expect(JSON.parse(dev.SOURCES!)).toEqual({
      'demo-write-key': { origins: ['*'], identitySecret: 'env:DEV_IDENTITY_SECRET' },
      'demo-server-key': { server: true },
    })
    expect(dev).toMatchObject({
      ADMIN_KEY: 'dev-admin-key',
      DEV_IDENTITY_SECRET: 'dev-identity-secret',
      DEV_USER_HASH_SOURCE: 'demo-write-key',
    })
  })
  it('limits requests per writeKey and address with the Rate Limiting binding', () => {
    expect(config.ratelimits).toEqual([
      { name: 'CLIENT_REQUESTS', namespace_id: '1001', simple: { limit: 12_000, period: 60 } },
    ])
    expect(vars).not.toHaveProperty('RATE_LIMIT_CLIENT')
    expect(vars).toMatchObject({
      RATE_LIMIT_CLIENT_EVENTS: '30000/60',
      RATE_LIMIT_CLIENT_PROFILES: '600/60',
      RATE_LIMIT_PROFILE: '2000/60',
    })
  })
})
