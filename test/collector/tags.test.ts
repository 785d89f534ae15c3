import { describe, expect, it } from 'vitest'
import { basic, get, json, post, postAsServer, track, uniqueId, userHash } from './helpers.ts'

interface TagsBody {
  tags: Record<string, unknown>
  rulesVersion: string
  error?: string
}

describe('GET /v1/tags', () => {
  it('returns the tags the edge holds for the profile', async () => {
    const anon = uniqueId('a')
    await post('/v1/batch', { batch: [track(anon, 'Coupon Claimed', Date.now())] })
    const response = await get(`/v1/tags?anonymousId=${anon}`)
    expect(response.status).toBe(200)
    const body = await json<TagsBody>(response)
    expect(Object.keys(body).sort()).toEqual(['rulesVersion', 'tags'])
    expect(body.tags).toMatchObject({ coupon_claimer: true, lifecycle_stage: 'prospect' })
    const etag = (await get('/v1/rules')).headers.get('etag')
    expect(`"${body.rulesVersion}"`).toBe(etag)
  })

  it('reads the userId profile when a userId is given with its userHash', async () => {
    const user = uniqueId('u')
    const now = Date.now()
    await postAsServer('/v1/batch', {
      batch: [
        track(uniqueId('a'), 'Order Completed', now, { userId: user, properties: { revenue: 80 } }),
      ],
    })
    const hash = await userHash(user)
    const body = await json<TagsBody>(
      await get(`/v1/tags?anonymousId=other&userId=${user}&userHash=${hash}`),
    )
    expect(body).toEqual({ tags: expect.any(Object), rulesVersion: expect.any(String) })
    expect(body.tags.lifecycle_stage).toBe('new')
  })

  it('gives a profile with no events the tags of an empty profile', async () => {
    const body = await json<TagsBody>(await get(`/v1/tags?anonymousId=${uniqueId('nobody')}`))
    expect(body.tags).toEqual({ lifecycle_stage: 'prospect' })
  })

  it('needs an id and a writeKey', async () => {
    const missing = await get('/v1/tags')
    expect(missing.status).toBe(400)
    expect((await json<TagsBody>(missing)).error).toBe(
      'query parameter "anonymousId" (or "userId" with "userHash") is required',
    )
    const unknown = await get('/v1/tags?anonymousId=a', { authorization: basic('nope') })
    expect(unknown.status).toBe(401)
  })
})
