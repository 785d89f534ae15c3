// Secure mode (spec: collector.md, "Keys and sources", "Reads"; issue 16): the public writeKey of a
// browser source can neither read a user's tags, attach events to a user, merge into a user nor
// alias without the user's userHash; a server source is trusted and gets no CORS; a browser source
// without an identity secret is a configuration error.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../../collector/app.ts'
import {
  admin,
  BASE,
  basic,
  get,
  iso,
  json,
  post,
  postAsServer,
  SERVER_KEY,
  track,
  uniqueId,
  userHash,
} from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

const UNPROVEN = 'userId needs a valid context.userHash'

interface View {
  profile: string
  aliases: string[]
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
  events: { messageId: string; context?: Record<string, unknown> }[]
}
/** A profile's event counts (its time-driven metrics move on by themselves). */
const counts = ({ metrics }: View) => ({
  orders_lifetime: metrics.orders_lifetime,
  revenue_30d: metrics.revenue_30d,
})
const viewOf = async (id: string) => json<View>(await admin(`/v1/profiles/${id}`))

const order = (anon: string, ms: number, extra: Record<string, unknown> = {}) =>
  track(anon, 'Order Completed', ms, { properties: { revenue: 600 }, ...extra })

/** Alice, a customer with a profile of her own (sent by the site's backend, a server source). */
async function alice() {
  const user = uniqueId('alice')
  const now = Date.now()
  const body = await json(
    await postAsServer('/v1/batch', {
      batch: [
        order(uniqueId('a'), now - 2000, { userId: user }),
        order(user, now - 1000, { userId: user }),
      ],
    }),
  )
  expect(body).toMatchObject({ accepted: 2, rejected: [] })
  const view = await viewOf(user)
  expect(view.tags.lifecycle_stage).toBeDefined()
  return { user, view }
}

describe('reads from a browser source', () => {
  it("reveals nothing of a user's tags without a valid userHash", async () => {
    const { user } = await alice()
    const wrongSecret = await userHash(user, 'not-the-secret')
    const someoneElse = await userHash(`${user}-x`)
    for (const hash of [
      undefined,
      '',
      'abc',
      wrongSecret,
      someoneElse,
      `${wrongSecret}00`,
      'z'.repeat(64),
    ]) {
      const query =
        `anonymousId=a1&userId=${encodeURIComponent(user)}` +
        (hash === undefined ? '' : `&userHash=${hash}`)
      const response = await get(`/v1/tags?${query}`)
      expect(response.status, String(hash)).toBe(403)
      const body = await json<Record<string, unknown>>(response)
      expect(body).toEqual({
        success: false,
        error: expect.stringContaining('userId needs a valid userHash'),
      })
    }
  })

  it("answers a proven user's tags, never a profile name", async () => {
    const { user, view } = await alice()
    const hash = await userHash(user)
    for (const given of [hash, hash.toUpperCase()]) {
      const response = await get(`/v1/tags?anonymousId=a1&userId=${user}&userHash=${given}`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ tags: view.tags, rulesVersion: expect.any(String) })
    }
  })
})

describe('ingest from a browser source', () => {
  it('rejects each event naming a userId without a valid context.userHash and stores the others', async () => {
    const { user, view: before } = await alice()
    const anon = uniqueId('a')
    const now = Date.now()
    const batch = [
      track(anon, 'Product Viewed', now - 5000),
      order(anon, now - 4000, { userId: user }),
      order(anon, now - 3000, {
        userId: user,
        context: { userHash: await userHash(user, 'guess') },
      }),
      {
        type: 'identify',
        anonymousId: anon,
        userId: user,
        messageId: uniqueId('m'),
        timestamp: iso(now - 2500),
      },
      order(anon, now - 2000, { userId: user, context: { userHash: { toString: 'x' } } }),
      track(anon, 'Product Viewed', now - 1000),
    ]
    const response = await post('/v1/batch', { batch })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body).toMatchObject({ accepted: 2, duplicates: 0 })
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4])
    for (const r of body.rejected) expect(r.error).toContain(UNPROVEN)
    expect(body.rejected[0]!.messageId).toBe(batch[1]!.messageId)
    // Only the anonymous profile's tags come back; Alice's profile is untouched and not merged.
    expect(body.tags).toEqual((await viewOf(anonymousProfile(anon))).tags)
    const after = await viewOf(user)
    expect(after.metrics).toMatchObject(counts(before))
    expect(after.aliases).toEqual(before.aliases)
    expect((await viewOf(anonymousProfile(anon))).profile).toBe(anonymousProfile(anon))
  })

  it('single-event routes refuse an unproven identify too (no merge, no tags of the user)', async () => {
    const { user } = await alice()
    const anon = uniqueId('n')
    const body = await json(await post('/v1/identify', { anonymousId: anon, userId: user }))
    expect(body).toMatchObject({
      accepted: 0,
      rejected: [{ index: 0, error: expect.stringContaining(UNPROVEN) }],
    })
    expect(body.tags).toBeUndefined()
    expect((await viewOf(user)).aliases).not.toContain(anonymousProfile(anon))
  })

  it('takes a valid hash end to end: anonymous browsing → identify with hash → merged metrics → read with hash', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    const hash = await userHash(user)
    await post('/v1/batch', { batch: [order(anon, now - 5000), order(anon, now - 4000)] })
    // The top-level context (the SDK's identity) carries the hash into each event.
    const identified = await json(
      await post('/v1/batch', {
        context: { userHash: hash },
        batch: [
          {
            type: 'identify',
            anonymousId: anon,
            userId: user,
            traits: { plan: 'plus' },
            messageId: uniqueId('m'),
            timestamp: iso(now - 3000),
          },
          order(anon, now - 2000, { userId: user }),
        ],
      }),
    )
    expect(identified).toMatchObject({ accepted: 2, rejected: [] })
    const view = await viewOf(user)
    expect(view).toMatchObject({ profile: user, aliases: [anonymousProfile(anon)] })
    expect(view.metrics).toMatchObject({ orders_lifetime: 3, revenue_30d: 1800 })
    expect(identified.tags).toEqual(view.tags)
    // The hash is a credential: it is not stored with the events.
    for (const event of view.events) expect(event.context?.userHash).toBeUndefined()
    const read = await json<{ tags: unknown }>(
      await get(`/v1/tags?anonymousId=${anon}&userId=${user}&userHash=${hash}`),
    )
    expect(read).toEqual({ tags: view.tags, rulesVersion: expect.any(String) })
    expect(view.tags).toMatchObject({ big_spender: true })
  })

  it('refuses an alias that would take over a profile, and links only its own anonymous id', async () => {
    const { user: victim, view: before } = await alice()
    const [anon, mallory] = [uniqueId('a'), uniqueId('mallory')]
    const hash = await userHash(mallory)
    const now = Date.now()
    const takeover = await json(
      await post('/v1/alias', {
        previousId: victim,
        userId: mallory,
        anonymousId: anon,
        context: { userHash: hash },
        timestamp: iso(now - 2000),
      }),
    )
    expect(takeover).toMatchObject({
      accepted: 0,
      rejected: [{ index: 0, error: expect.stringContaining('need a server source') }],
    })
    const unproven = await json(
      await post('/v1/alias', { previousId: anon, anonymousId: anon, userId: victim }),
    )
    expect(unproven.rejected).toEqual([
      { index: 0, messageId: null, error: expect.stringContaining(UNPROVEN) },
    ])
    const after = await viewOf(victim)
    expect(after).toMatchObject({ profile: victim, aliases: before.aliases })
    expect(after.metrics).toMatchObject(counts(before))

    const own = await json(
      await post('/v1/alias', {
        previousId: anon,
        anonymousId: anon,
        userId: mallory,
        context: { userHash: hash },
        timestamp: iso(now - 1000),
      }),
    )
    expect(own).toMatchObject({ accepted: 1, rejected: [] })
    expect(await viewOf(anonymousProfile(anon))).toMatchObject({
      profile: mallory,
      aliases: [anonymousProfile(anon)],
    })
  })
})

describe('a server source', () => {
  it('is trusted for userIds and user-to-user aliases without hashes, and gets no CORS', async () => {
    const [anon, first, second] = [uniqueId('a'), uniqueId('u'), uniqueId('u')]
    const now = Date.now()
    const stored = await postAsServer('/v1/batch', {
      batch: [
        order(anon, now - 3000),
        {
          type: 'identify',
          anonymousId: anon,
          userId: first,
          messageId: uniqueId('m'),
          timestamp: iso(now - 2000),
        },
      ],
    })
    expect(stored.headers.get('access-control-allow-origin')).toBeNull()
    expect(await json(stored)).toMatchObject({ accepted: 2, rejected: [] })
    const alias = await json(
      await postAsServer('/v1/alias', {
        previousId: first,
        userId: second,
        timestamp: iso(now - 1000),
      }),
    )
    expect(alias).toMatchObject({ accepted: 1, rejected: [] })
    expect((await viewOf(anonymousProfile(anon))).profile).toBe(second)

    const read = await get(`/v1/tags?userId=${second}`, { authorization: basic(SERVER_KEY) })
    expect(read.status).toBe(200)
    expect(read.headers.get('access-control-allow-origin')).toBeNull()
    expect(await read.json()).toEqual({
      tags: (await viewOf(second)).tags,
      rulesVersion: expect.any(String),
    })
  })

  it('is refused from a page: its writeKey is a secret, and the answer carries no CORS', async () => {
    const origin = 'https://shop.example'
    const fromPage = await postAsServer(
      '/v1/batch',
      { batch: [track(uniqueId('a'), 'X', Date.now())] },
      { origin },
    )
    expect(fromPage.status).toBe(403)
    expect(fromPage.headers.get('access-control-allow-origin')).toBeNull()
    expect((await json(fromPage)).error).toContain('server source')
    const read = await get('/v1/tags?anonymousId=a1', { authorization: basic(SERVER_KEY), origin })
    expect(read.status).toBe(403)
    expect(read.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('configuration', () => {
  it('answers 503 naming the fix for a browser source without an identity secret', async () => {
    const key = basic('no-secret-write-key')
    for (const response of [
      await post(
        '/v1/batch',
        { batch: [track(uniqueId('a'), 'X', Date.now())] },
        { authorization: key },
      ),
      await get('/v1/tags?anonymousId=a1', { authorization: key }),
      await get('/v1/rules', { authorization: key }),
    ]) {
      expect(response.status).toBe(503)
      const { error } = await json(response)
      expect(error).toContain(
        'SOURCES["no-secret-write-key"] is a browser source without an identity secret',
      )
      expect(error).toContain('"identitySecret": "env:NAME"')
    }
  })

  it('answers 503 naming the fix when no sources are configured or an identity secret is unset', async () => {
    const request = () =>
      new Request(`${BASE}/v1/batch`, {
        method: 'POST',
        headers: { authorization: basic('demo-write-key'), 'content-type': 'application/json' },
        body: JSON.stringify({ batch: [track('a1', 'X', Date.now())] }),
      })
    const none = await app.fetch(request(), { ...env, SOURCES: undefined })
    expect(none.status).toBe(503)
    expect((await json(none)).error).toContain('no sources are configured: set the SOURCES var')
    const unset = await app.fetch(request(), { ...env, DEV_IDENTITY_SECRET: undefined })
    expect(unset.status).toBe(503)
    expect((await json(unset)).error).toContain('refers to DEV_IDENTITY_SECRET, which is not set')
    const inline = await app.fetch(request(), {
      ...env,
      SOURCES: JSON.stringify({ 'demo-write-key': { origins: ['*'], identitySecret: 'plain' } }),
    })
    expect(inline.status).toBe(503)
    expect((await json(inline)).error).toContain('"env:NAME"')
  })
})

describe('GET /dev/user-hash (the demo shop stand-in for a site backend)', () => {
  it("gives the browser source's userHash, and exists only with the local dev config", async () => {
    const response = await app.fetch(
      new Request(`${BASE}/dev/user-hash?userId=ada%40example.com`),
      env,
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ userHash: await userHash('ada@example.com') })
    const bad = await app.fetch(new Request(`${BASE}/dev/user-hash`), env)
    expect(bad.status).toBe(400)
    const deployed = await app.fetch(new Request(`${BASE}/dev/user-hash?userId=x`), {
      ...env,
      DEV_USER_HASH_SOURCE: undefined,
    })
    expect(deployed.status).toBe(404)
  })
})
