import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'

describe('GET /v1/health', () => {
  it('answers ok without a key', async () => {
    const response = await SELF.fetch('https://collector.test/v1/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })
})
