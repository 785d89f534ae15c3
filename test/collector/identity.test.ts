import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { prepareEvent } from '../../collector/ingest/prepare-event.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { ProfileDO } from '../../collector/profile/profile-do.ts'
import { profileStub } from '../../collector/profile/stub.ts'
import { admin, get, iso, json, postAsServer as post, track, uniqueId } from './helpers.ts'

// The merge mechanics, driven by the trusted server source (user-to-user aliases need one); the
// browser source's secure mode (userHash) is tested in secure-mode.test.ts.

const DAY = 86_400_000

interface View {
  profile: string
  aliases: string[]
  traits: Record<string, unknown>
  metrics: Record<string, unknown>
  events: { messageId: string }[]
}

const order = (anon: string, ms: number, extra: Record<string, unknown> = {}) =>
  track(anon, 'Order Completed', ms, { properties: { revenue: 100 }, ...extra })
const identify = (anon: string, user: string, ms: number) => ({
  type: 'identify',
  anonymousId: anon,
  userId: user,
  traits: { plan: 'plus' },
  messageId: uniqueId('m'),
  timestamp: iso(ms),
})
const viewOf = async (id: string) => json<View>(await admin(`/v1/profiles/${id}`))

describe('identity merge', () => {
  it('merges anonymous browsing into the user at identify: one profile, metrics summed once', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 3 * DAY), order(anon, now - 2 * DAY)] })
    await post('/v1/batch', { batch: [order(anon, now - DAY, { userId: user })] })
    const body = await json(await post('/v1/batch', { batch: [identify(anon, user, now - 1000)] }))
    expect(body.tags).toMatchObject({ lifecycle_stage: expect.any(String) })

    const view = await viewOf(user)
    expect(view).toMatchObject({
      profile: user,
      aliases: [anonymousProfile(anon)],
      traits: { plan: 'plus' },
    })
    expect(view.metrics).toMatchObject({ orders_lifetime: 3, orders_7d: 3, revenue_30d: 300 })
    expect(view.events).toHaveLength(4)
  })

  it('forwards later anonymous events, tag reads and profile reads to the user', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    await post('/v1/batch', { batch: [identify(anon, user, now - 5000), order(anon, now - 4000)] })
    const later = await json(await post('/v1/batch', { batch: [order(anon, now - 3000)] }))
    expect(later).toMatchObject({ accepted: 1, tags: expect.any(Object) })

    expect((await viewOf(user)).metrics).toMatchObject({ orders_lifetime: 2 })
    // The anonymous id's tag read follows the merge (the answer names no profile).
    const tags = await json<{ tags: unknown }>(await get(`/v1/tags?anonymousId=${anon}`))
    expect(tags).toEqual({
      tags: (await json<{ tags: unknown }>(await admin(`/v1/profiles/${user}`))).tags,
      rulesVersion: expect.any(String),
    })
    expect(await viewOf(anonymousProfile(anon))).toMatchObject({
      profile: user,
      aliases: [anonymousProfile(anon)],
    })
    const explain = await admin(`/v1/profiles/${anonymousProfile(anon)}/explain/lifecycle_stage`)
    expect(await explain.json()).toMatchObject({ tag: 'lifecycle_stage' })
  })

  it('answers a batch mixing anonymous and identified events of one person with its tags', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    const body = await json(
      await post('/v1/batch', {
        batch: [order(anon, now - 3000), identify(anon, user, now - 2000), order(anon, now - 1000)],
      }),
    )
    expect(body).toMatchObject({ accepted: 3, rejected: [] })
    expect(body.tags).toEqual(
      (await json<{ tags: unknown }>(await admin(`/v1/profiles/${user}`))).tags,
    )
    expect((await viewOf(user)).metrics).toMatchObject({ orders_lifetime: 2 })
  })

  it('follows alias chains: anonymous id → user → aliased user', async () => {
    const [anon, first, second] = [uniqueId('a'), uniqueId('u'), uniqueId('u')]
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 5000), identify(anon, first, now - 4000)] })
    await post('/v1/batch', { batch: [order(anon, now - 3500, { userId: first })] })
    const alias = { previousId: first, userId: second, timestamp: iso(now - 3000) }
    expect((await json(await post('/v1/alias', alias))).accepted).toBe(1)
    await post('/v1/batch', { batch: [order(anon, now - 2000), order(first, now - 1000)] })

    const view = await viewOf(second)
    expect(view.metrics).toMatchObject({ orders_lifetime: 4 })
    // A server's alias names no space: the user `first` and an anonymous visitor `first` join.
    expect(view.aliases.sort()).toEqual(
      [anonymousProfile(anon), first, anonymousProfile(first)].sort(),
    )
    expect((await viewOf(anonymousProfile(anon))).profile).toBe(second)
    expect((await viewOf(first)).profile).toBe(second)
  })

  it('is idempotent: a retried identify, sequential or concurrent, merges once', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 5000), order(anon, now - 4000)] })
    const batch = [identify(anon, user, now - 3000)]
    await Promise.all([post('/v1/batch', { batch }), post('/v1/batch', { batch })])
    const retry = await json(await post('/v1/batch', { batch }))
    expect(retry).toMatchObject({ accepted: 0, duplicates: 1 })
    expect((await viewOf(user)).metrics).toMatchObject({ orders_lifetime: 2 })
  })

  it('counts every event once when anonymous events race with the merge', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    const orders = Array.from({ length: 12 }, (_, i) => order(anon, now - 60_000 + i * 1000))
    const sends = orders.map((o) => post('/v1/batch', { batch: [o] }))
    sends.splice(6, 0, post('/v1/batch', { batch: [identify(anon, user, now - 1000)] }))
    // Retries of the same events too, while the merge is under way.
    sends.push(...orders.slice(0, 4).map((o) => post('/v1/batch', { batch: [o] })))
    await Promise.all(sends)
    expect((await viewOf(user)).metrics).toMatchObject({ orders_lifetime: 12 })
    expect((await viewOf(user)).events).toHaveLength(13)
  })

  it('finishes a merge interrupted after the forward was set, without double counting', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    const stored = order(anon, now - 5000)
    await post('/v1/batch', { batch: [stored, order(anon, now - 4000)] })
    // The Worker died right after setting the forward: the data is still in the anonymous profile,
    // and a retry of one of its events reached the user's profile directly.
    const anonProfile = anonymousProfile(anon)
    await profileStub(env, anonProfile).forwardTo(anonProfile, user, now - 3000)
    const prepared = await prepareEvent(stored, { receivedAt: now })
    if (!prepared.ok) throw new Error(prepared.error)
    await profileStub(env, user).ingest(user, [prepared.event], now, {
      limit: 100,
      periodMs: 60_000,
    })
    // The next event through the forward finishes the merge.
    await post('/v1/batch', { batch: [order(anon, now - 2000)] })
    expect((await viewOf(user)).metrics).toMatchObject({ orders_lifetime: 3 })
    expect((await viewOf(user)).aliases).toEqual([anonymousProfile(anon)])
  })

  it('starts a merge over when the target restarted after staging its events in memory', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 5000), order(anon, now - 4000)] })
    const anonProfile = anonymousProfile(anon)
    await profileStub(env, anonProfile).forwardTo(anonProfile, user, now - 3000)
    // The merge staged the events (a small profile: in the target's memory), then the target
    // restarted before it absorbed them: the absorb refuses, nothing is counted.
    const source = profileStub(env, anonProfile)
    const payload = (await source.mergePayload())!
    const page = (await source.mergeEvents(0))!
    await profileStub(env, user).stageMerge(user, anonProfile, page.events)
    await abortAllDurableObjects()
    const refused = await runInDurableObject(env.PROFILES.getByName(user), async (target) => {
      if (!(target instanceof ProfileDO)) throw new Error('not a profile object')
      return target.absorb(user, anonProfile, payload).then(
        () => 'absorbed',
        (error: unknown) => String(error),
      )
    })
    expect(refused).toMatch(/0 of its 2 events reached this profile, the merge starts over/)
    // The next event through the forward runs the merge again, whole.
    await post('/v1/batch', { batch: [order(anon, now - 2000)] })
    const view = await viewOf(user)
    expect(view.metrics).toMatchObject({ orders_lifetime: 3 })
    expect(view.aliases).toEqual([anonProfile])
    expect(view.events).toHaveLength(3)
  })

  it("applies a batch of many people's links side by side, and a chain in it in order", async () => {
    const now = Date.now()
    const people = Array.from({ length: 40 }, () => [uniqueId('a'), uniqueId('u')] as const)
    const [chainAnon, first, second] = [uniqueId('a'), uniqueId('u'), uniqueId('u')]
    await post('/v1/batch', {
      batch: [...people.map(([anon]) => order(anon, now - 9000)), order(chainAnon, now - 9000)],
    })
    const alias = {
      type: 'alias',
      previousId: first,
      userId: second,
      messageId: uniqueId('m'),
      timestamp: iso(now - 3000),
    }
    const body = await json(
      await post('/v1/batch', {
        batch: [
          ...people.map(([anon, user]) => identify(anon, user, now - 5000)),
          identify(chainAnon, first, now - 4000),
          alias,
          order(chainAnon, now - 2000),
        ],
      }),
    )
    expect(body).toMatchObject({ accepted: 43, rejected: [] })
    for (const [anon, user] of people.slice(0, 5)) {
      expect((await viewOf(anonymousProfile(anon))).profile).toBe(user)
      expect((await viewOf(user)).metrics).toMatchObject({ orders_lifetime: 1 })
    }
    const person = await viewOf(anonymousProfile(chainAnon))
    expect(person.profile).toBe(second)
    expect(person.metrics).toMatchObject({ orders_lifetime: 2 })
    expect([...person.aliases].sort()).toEqual(
      [anonymousProfile(chainAnon), first, anonymousProfile(first)].sort(),
    )
  })

  it('keeps the first link when an anonymous id is linked to a second user', async () => {
    const [anon, first, second] = [uniqueId('a'), uniqueId('u'), uniqueId('u')]
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 5000), identify(anon, first, now - 4000)] })
    await post('/v1/batch', { batch: [identify(anon, second, now - 3000)] })
    await post('/v1/batch', { batch: [order(anon, now - 2000)] })
    expect((await viewOf(anonymousProfile(anon))).profile).toBe(first)
    expect((await viewOf(first)).metrics).toMatchObject({ orders_lifetime: 2 })
    expect((await viewOf(second)).aliases).toEqual([])
  })

  it('erases the whole person: the user profile and the ids merged into it', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 5000), identify(anon, user, now - 4000)] })
    expect(
      (await admin(`/v1/profiles/${anonymousProfile(anon)}`, { method: 'DELETE' })).status,
    ).toBe(204)
    expect((await admin(`/v1/profiles/${user}`)).status).toBe(404)
    expect((await admin(`/v1/profiles/${anonymousProfile(anon)}`)).status).toBe(404)
  })
})
