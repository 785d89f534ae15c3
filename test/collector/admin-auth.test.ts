import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { ADMIN_KEY, BASE, bearer, uniqueId } from './helpers.ts'

/** `GET /v1/rules/versions` (an admin route) from client address `ip` with `key`. */
const versions = (key: string, ip: string) =>
  SELF.fetch(`${BASE}/v1/rules/versions`, {
    headers: { authorization: bearer(key), 'cf-connecting-ip': ip },
  })

describe('the adminKey against guessing', () => {
  it('answers 429 to an address after 10 wrong keys in a minute, the right key too', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}-${uniqueId('ip')}`
    for (let i = 0; i < 10; i++) expect((await versions(`guess-${i}`, ip)).status).toBe(401)
    const blocked = await versions('guess-10', ip)
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(((await blocked.json()) as { error: string }).error).toMatch(
      /too many wrong adminKeys from this address: retry after \d+ s/,
    )
    // A guess that hits cannot be told from one that misses.
    expect((await versions(ADMIN_KEY, ip)).status).toBe(429)
    // Other addresses are not affected.
    expect((await versions(ADMIN_KEY, `${ip}-other`)).status).toBe(200)
  })

  it('does not count the right key, nor a request without one', async () => {
    const ip = uniqueId('ip')
    for (let i = 0; i < 9; i++) expect((await versions(`typo-${i}`, ip)).status).toBe(401)
    for (let i = 0; i < 5; i++) expect((await versions(ADMIN_KEY, ip)).status).toBe(200)
    const none = await SELF.fetch(`${BASE}/v1/rules/versions`, {
      headers: { 'cf-connecting-ip': ip },
    })
    expect(none.status).toBe(401)
    expect((await versions(ADMIN_KEY, ip)).status).toBe(200)
  })
})
