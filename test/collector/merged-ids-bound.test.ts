import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { MAX_MERGED_IDS } from '../../collector/limits.ts'
import { profileStub } from '../../collector/profile/stub.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, iso, json, postAsServer as post, track, uniqueId } from './helpers.ts'

// A person joins at most MAX_MERGED_IDS ids (collector/limits.ts): a site that identifies every
// visitor with one userId ("guest", "undefined", "0": a classic integration bug) would otherwise
// merge every visitor into one profile whose alias list grows without end, and whose view and
// erasure then touch millions of ids. Driven by the server source (user-to-user aliases need one).

interface View {
  profile: string
  aliases: string[]
  metrics: Record<string, unknown>
  events: { messageId: string }[]
}

const viewOf = async (id: string) => json<View>(await admin(`/v1/profiles/${id}`))
const order = (anon: string, ms: number, extra: Record<string, unknown> = {}) =>
  track(anon, 'Order Completed', ms, { properties: { revenue: 100 }, ...extra })
/** An order of a signed-in user only (no anonymousId: no link). */
const userOrder = (user: string, ms: number) => ({
  type: 'track',
  event: 'Order Completed',
  userId: user,
  properties: { revenue: 100 },
  messageId: uniqueId('m'),
  timestamp: iso(ms),
})
const identify = (anon: string, user: string, ms: number) => ({
  type: 'identify',
  anonymousId: anon,
  userId: user,
  messageId: uniqueId('m'),
  timestamp: iso(ms),
})

/** Gives `user` (a profile that exists) merged ids up to `count`, as past merges would have. */
const fillAliases = (user: string, count: number) =>
  runInDurableObject(env.PROFILES.getByName(user), (_, state) => {
    const [{ held }] = state.storage.sql
      .exec<{ held: number }>('SELECT COUNT(*) AS held FROM aliases')
      .toArray() as [{ held: number }]
    for (let i = held; i < count; i++)
      state.storage.sql.exec(
        'INSERT INTO aliases (id, merged_at) VALUES (?, ?)',
        `anonymous:earlier-${i}`,
        i,
      )
  })

describe('merged ids per person', () => {
  it('refuses a merge into a person who holds the most: the visitor stays a profile of its own', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    expect((await post('/v1/batch', { batch: [userOrder(user, now - 9000)] })).status).toBe(200)
    await post('/v1/batch', { batch: [identify(uniqueId('a'), user, now - 8000)] })
    await fillAliases(user, MAX_MERGED_IDS)
    const before = await viewOf(user)
    expect(before.aliases).toHaveLength(MAX_MERGED_IDS)

    await post('/v1/batch', { batch: [order(anon, now - 5000), order(anon, now - 4000)] })
    const linked = await post('/v1/batch', { batch: [identify(anon, user, now - 3000)] })
    // The identify itself is stored (in the user's profile, where its userId puts it).
    expect(linked.status).toBe(200)
    expect(await json(linked)).toMatchObject({ accepted: 1, rejected: [] })
    const later = await post('/v1/batch', { batch: [order(anon, now - 2000)] })
    expect(later.status).toBe(200)

    const visitor = await viewOf(anonymousProfile(anon))
    expect(visitor.profile).toBe(anonymousProfile(anon))
    expect(visitor.metrics).toMatchObject({ orders_lifetime: 3 })
    expect(visitor.events).toHaveLength(3)
    const after = await viewOf(user)
    expect(after.aliases).toEqual(before.aliases)
    expect(after.metrics).toMatchObject({ orders_lifetime: 1 })
    // The same link again (a retried identify) is not tried again.
    await post('/v1/batch', { batch: [identify(anon, user, now - 1000)] })
    expect((await viewOf(anonymousProfile(anon))).profile).toBe(anonymousProfile(anon))
  })

  it('counts the ids a merged person brings with it', async () => {
    const [anon, from, to] = [uniqueId('a'), uniqueId('u'), uniqueId('u')]
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 9000), identify(anon, from, now - 8000)] })
    await post('/v1/batch', { batch: [userOrder(to, now - 7000)] })
    // `to` has room for one id more: `from` brings itself and `anon`.
    await fillAliases(to, MAX_MERGED_IDS - 1)
    const alias = {
      type: 'alias',
      previousId: from,
      userId: to,
      messageId: uniqueId('m'),
      timestamp: iso(now - 6000),
    }
    expect((await post('/v1/batch', { batch: [alias] })).status).toBe(200)
    expect((await viewOf(from)).profile).toBe(from)
    expect((await viewOf(from)).aliases).toEqual([anonymousProfile(anon)])
    // The alias also links the anonymous id `from` (an id never seen): it fits, as the last one.
    const target = await viewOf(to)
    expect(target.aliases).toHaveLength(MAX_MERGED_IDS)
    expect(target.aliases).toContain(anonymousProfile(from))
    expect(target.aliases).not.toContain(from)
    expect(target.metrics).toMatchObject({ orders_lifetime: 1 })
  })

  it('a merge left pending and then refused sends the next event to the visitor itself', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    await post('/v1/batch', { batch: [userOrder(user, now - 9000)] })
    await fillAliases(user, MAX_MERGED_IDS)
    await post('/v1/batch', { batch: [order(anon, now - 5000)] })
    // The forward is set (as by an identify cut short before its merge ran): the next event that
    // meets it runs the merge, which the full person refuses.
    const anonProfile = anonymousProfile(anon)
    await profileStub(env, anonProfile).forwardTo(anonProfile, user, now - 4000)
    expect((await post('/v1/batch', { batch: [order(anon, now - 3000)] })).status).toBe(200)
    const visitor = await viewOf(anonProfile)
    expect(visitor.profile).toBe(anonProfile)
    expect(visitor.events).toHaveLength(2)
    expect((await viewOf(user)).metrics).toMatchObject({ orders_lifetime: 1 })
  })
})
