import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { profileStub } from '../../collector/profile/stub.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, get, iso, json, postAsServer, uniqueId, userHash } from './helpers.ts'

// Issue 16, finding 4: crossing merges (A→B while B→A, or a cycle A→B→C→A) sent at the same
// instant. Each must end as one person (or be refused): every request answered below 500, no
// stored loop of forwards, every event counted once. User-to-user aliases are a server source's
// (secure mode), so these come from the demo's server source, as a site's backend sends them.

interface View {
  profile: string
  aliases: string[]
  metrics: Record<string, unknown>
}

const order = (userId: string, ms: number) => ({
  type: 'track',
  event: 'Order Completed',
  userId,
  properties: { revenue: 100 },
  messageId: uniqueId('m'),
  timestamp: iso(ms),
})
/** A browser's read of user `userId`'s tags, with the hash its site's backend gave it. */
const readTags = async (userId: string) =>
  get(`/v1/tags?userId=${userId}&userHash=${await userHash(userId)}`)
const alias = (from: string, to: string, ms: number) => ({
  type: 'alias',
  previousId: from,
  userId: to,
  messageId: uniqueId('m'),
  timestamp: iso(ms),
})

/** The forward a profile's Durable Object stores, if any (read from its own SQLite). */
const storedForward = (id: string) =>
  runInDurableObject(env.PROFILES.getByName(id), (_, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      .toArray()
    if (!tables.some((t) => t.name === 'meta')) return null
    return (
      state.storage.sql
        .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'forward'`)
        .toArray()[0]?.value ?? null
    )
  })

/**
 * Asserts `ids` are one person: one profile holds them all, no loop, `orders` counted once; its
 * aliases are the other ids and `alsoJoined`.
 */
async function expectOnePerson(ids: string[], orders: number, alsoJoined: string[] = []) {
  const views = await Promise.all(
    ids.map(async (id) => {
      const response = await admin(`/v1/profiles/${id}`)
      expect(response.status).toBe(200)
      return json<View>(response)
    }),
  )
  const owner = views[0]!.profile
  for (const view of views) expect(view.profile).toBe(owner)
  expect(ids).toContain(owner)
  expect(views[0]!.aliases.sort()).toEqual(
    [...ids.filter((id) => id !== owner), ...alsoJoined].sort(),
  )
  expect(views[0]!.metrics).toMatchObject({ orders_lifetime: orders })
  // No stored loop: the owner forwards nowhere, every other id reaches it through the others.
  const forwards = new Map(
    await Promise.all(ids.map(async (id) => [id, await storedForward(id)] as const)),
  )
  expect(forwards.get(owner)).toBeNull()
  for (const id of ids) {
    let at: string | null | undefined = id
    for (let hops = 0; at !== owner && hops < ids.length; hops++) at = forwards.get(at!)
    expect(at).toBe(owner)
  }
}

/** A server's alias names no id space: the anonymous visitors of those strings join too (empty). */
const anonymousSides = (ids: string[]) => ids.map(anonymousProfile)

/** Links `ids` in a cycle (each to the next, the last to the first), all requests at once. */
async function crossingLinks(ids: string[]) {
  const now = Date.now()
  await postAsServer('/v1/batch', { batch: ids.map((id, i) => order(id, now - 10_000 + i)) })
  const responses = await Promise.all(
    ids.map((id, i) =>
      postAsServer('/v1/batch', { batch: [alias(id, ids[(i + 1) % ids.length]!, now)] }),
    ),
  )
  for (const response of responses) expect(response.status).toBeLessThan(500)
  return responses
}

describe('crossing and concurrent merges (issue 16, finding 4)', () => {
  it('A→B and B→A at the same instant end as one person, twenty rounds', async () => {
    for (let round = 0; round < 20; round++) {
      const ids = [uniqueId('x'), uniqueId('y')]
      await crossingLinks(ids)
      await expectOnePerson(ids, 2, anonymousSides(ids))
    }
  }, 60_000)

  it('a cycle A→B→C→A at the same instant ends as one person, ten rounds', async () => {
    for (let round = 0; round < 10; round++) {
      const ids = [uniqueId('x'), uniqueId('y'), uniqueId('z')]
      await crossingLinks(ids)
      await expectOnePerson(ids, 3, anonymousSides(ids))
    }
  }, 60_000)

  it('requests racing a crossing merge are all answered and counted once', async () => {
    const [a, b] = [uniqueId('x'), uniqueId('y')]
    const now = Date.now()
    const sends = [
      postAsServer('/v1/batch', { batch: [alias(a, b, now)] }),
      postAsServer('/v1/batch', { batch: [alias(b, a, now)] }),
      ...[a, b, a, b].map((id, i) =>
        postAsServer('/v1/batch', { batch: [order(id, now - 5000 + i)] }),
      ),
      readTags(a),
      readTags(b),
    ]
    for (const response of await Promise.all(sends)) expect(response.status).toBeLessThan(500)
    await expectOnePerson([a, b], 4, anonymousSides([a, b]))
  }, 30_000)

  it('a stored loop of forwards (written before this fix) recovers on the next request', async () => {
    const [a, b] = [uniqueId('x'), uniqueId('y')]
    const now = Date.now()
    await postAsServer('/v1/batch', { batch: [order(a, now - 5000), order(b, now - 4000)] })
    // What two crossing identifies left behind: each profile forwards to the other, data unmoved.
    expect(await profileStub(env, a).forwardTo(a, b, now - 3000)).toMatchObject({ to: b })
    expect(await profileStub(env, b).forwardTo(b, a, now - 3000)).toMatchObject({ to: a })

    const read = await readTags(a)
    expect(read.status).toBe(200)
    const later = await postAsServer('/v1/batch', { batch: [order(a, now - 1000)] })
    expect(later.status).toBe(200)
    await expectOnePerson([a, b], 3)
  }, 30_000)

  it('a stored three-profile loop recovers too', async () => {
    const ids = [uniqueId('x'), uniqueId('y'), uniqueId('z')]
    const now = Date.now()
    await postAsServer('/v1/batch', { batch: ids.map((id, i) => order(id, now - 5000 + i)) })
    for (const [i, id] of ids.entries())
      await profileStub(env, id).forwardTo(id, ids[(i + 1) % 3]!, now - 3000)

    const reads = await Promise.all(ids.map(readTags))
    for (const read of reads) expect(read.status).toBe(200)
    await expectOnePerson(ids, 3)
  }, 30_000)
})
