// Separate id spaces (spec: collector.md, "Id spaces"; issue 16, findings 2 and 3): an anonymousId
// and a userId never name the same profile, whatever their strings. A visitor who sets its
// anonymousId to someone's userId reaches only an anonymous profile of its own.
import { describe, expect, it } from 'vitest'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, get, iso, json, post, postAsServer, track, uniqueId, userHash } from './helpers.ts'

interface View {
  profile: string
  aliases: string[]
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
}
const viewOf = async (profile: string) => json<View>(await admin(`/v1/profiles/${profile}`))

/** Alice's orders, sent by the site's backend with her userId only (a server source). */
async function alice() {
  const user = uniqueId('alice@x.com')
  const now = Date.now()
  const orders = [2, 1].map((daysAgo) => ({
    type: 'track',
    event: 'Order Completed',
    userId: user,
    properties: { revenue: 3000 },
    messageId: uniqueId('m'),
    timestamp: iso(now - daysAgo * 86_400_000),
  }))
  expect(await json(await postAsServer('/v1/batch', { batch: orders }))).toMatchObject({
    accepted: 2,
  })
  const view = await viewOf(user)
  expect(view.tags).toMatchObject({ big_spender: true })
  return { user, view }
}

describe('separate id spaces', () => {
  it("an anonymousId equal to a user's userId reaches another profile: no read, no write", async () => {
    const { user, view: before } = await alice()
    const now = Date.now()
    // Before: this read answered Alice's tags and these events landed in her profile.
    const read = await json<{ tags: Record<string, unknown> }>(
      await get(`/v1/tags?anonymousId=${encodeURIComponent(user)}`),
    )
    expect(read.tags).not.toHaveProperty('big_spender')
    const sent = await json(
      await post('/v1/batch', {
        batch: [track(user, 'Order Completed', now - 1000, { properties: { revenue: 1 } })],
      }),
    )
    expect(sent).toMatchObject({ accepted: 1, rejected: [] })
    expect(sent.tags).not.toHaveProperty('big_spender')

    const after = await viewOf(user)
    expect(after.metrics.orders_lifetime).toBe(before.metrics.orders_lifetime)
    expect(after.aliases).toEqual([])
    const visitor = await viewOf(anonymousProfile(user))
    expect(visitor).toMatchObject({
      profile: anonymousProfile(user),
      metrics: { orders_lifetime: 1 },
    })
  })

  it("identifying with someone's userId as anonymousId takes only the visitor's own profile", async () => {
    const { user, view: before } = await alice()
    const mallory = uniqueId('mallory')
    const now = Date.now()
    // Mallory proves her own userId, and sends Alice's userId as her anonymousId.
    const identify = {
      type: 'identify',
      anonymousId: user,
      userId: mallory,
      context: { userHash: await userHash(mallory) },
      messageId: uniqueId('m'),
      timestamp: iso(now - 1000),
    }
    const body = await json(await post('/v1/identify', identify))
    expect(body).toMatchObject({ accepted: 1, rejected: [] })
    expect(body.tags).not.toHaveProperty('big_spender')

    expect(await viewOf(user)).toMatchObject({ profile: user, aliases: [] })
    expect((await viewOf(mallory)).aliases).toEqual([anonymousProfile(user)])
    // Erasing Mallory leaves Alice whole.
    expect((await admin(`/v1/profiles/${mallory}`, { method: 'DELETE' })).status).toBe(204)
    expect((await viewOf(user)).metrics.orders_lifetime).toBe(before.metrics.orders_lifetime)
  })

  it('names anonymous profiles anonymous:<id>, and a userId that looks like one stays a user', async () => {
    const now = Date.now()
    const visitor = uniqueId('v')
    const lookalike = `anonymous:${visitor}`
    await post('/v1/batch', { batch: [track(visitor, 'Product Viewed', now - 2000)] })
    await postAsServer('/v1/batch', {
      batch: [{ type: 'track', event: 'Product Viewed', userId: lookalike, timestamp: iso(now) }],
    })
    expect((await viewOf(anonymousProfile(visitor))).profile).toBe(`anonymous:${visitor}`)
    expect((await viewOf(`user:${lookalike}`)).profile).toBe(`user:${lookalike}`)
    expect((await viewOf(`user:${lookalike}`)).metrics).toMatchObject({ product_views_30d: 1 })
    expect((await viewOf(anonymousProfile(visitor))).metrics).toMatchObject({
      product_views_30d: 1,
    })
  })
})
