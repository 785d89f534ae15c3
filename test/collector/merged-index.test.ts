import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { QueueMessage } from '../../collector/export/message.ts'
import worker from '../../collector/index.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, json, post, track, uniqueId, userHash } from './helpers.ts'
import { clearIndex } from './tag-index.ts'

// The demo walk: two visitors browse the shop, one signs in. The anonymous profile merges into the
// user's, but its last tag changes are still on their way through the export queue (the
// consumer waits up to a second for a batch) when the merge completes. The catalog and audiences
// read the D1 tag index, which must then hold each person once, under the profile that survives.
// The queue's timing is made explicit here: the signed-in visitor's profile object sends its
// messages to a queue this test holds, and the test delivers them to the consumer when it chooses.

/** A queue that keeps what it is sent in `held`, for the test to deliver when it chooses. */
function holdingQueue(held: QueueMessage[]): Queue<QueueMessage> {
  const response = () => ({ metadata: { metrics: { backlogCount: held.length, backlogBytes: 0 } } })
  return {
    send: async (body) => {
      held.push(body)
      return response()
    },
    sendBatch: async (messages) => {
      for (const { body } of messages) held.push(body)
      return response()
    },
    metrics: async () => response().metadata.metrics,
  }
}

/** Makes profile object `name` send its export messages into `held` instead of the queue. */
const holdExports = (name: string, held: QueueMessage[]) =>
  runInDurableObject(env.PROFILES.getByName(name), (instance) => {
    ;(instance as unknown as { env: typeof env }).env = {
      ...env,
      TAG_CHANGES: holdingQueue(held),
    }
  })

/** Runs the Worker's queue consumer on `bodies`, one delivery, as the queue would. */
async function deliver(bodies: readonly QueueMessage[]) {
  const batch = createMessageBatch<QueueMessage>(
    'tagwise-tag-changes',
    bodies.map((body, i) => ({
      id: uniqueId(`held-${i}`),
      timestamp: new Date(),
      attempts: 1,
      body,
    })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, env, ctx)
  return getQueueResult(batch, ctx)
}

const indexedProfiles = async (ids: readonly string[]) =>
  (
    await env.DB.prepare(
      `SELECT DISTINCT profile FROM tag_index WHERE profile IN (SELECT value FROM json_each(?))
       ORDER BY profile`,
    )
      .bind(JSON.stringify(ids))
      .all<{ profile: string }>()
  ).results.map((row) => row.profile)

const audience = async (tag: string) => {
  const response = await admin('/v1/audiences/query', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ where: { var: `tags.${tag}` }, limit: 1000 }),
  })
  const body = await json<{ count: number; profiles: { id: string }[] }>(response)
  return { count: body.count, ids: body.profiles.map((profile) => profile.id).sort() }
}

const coverage = async (tag: string) => {
  const body = await json<{
    profiles: number
    tags: { id: string; coverage: { profiles: number } }[]
  }>(await admin('/v1/catalog'))
  return {
    profiles: body.profiles,
    holding: body.tags.find((t) => t.id === tag)!.coverage.profiles,
  }
}

const browse = (anon: string, now: number) => [
  track(anon, 'Coupon Claimed', now - 3000, { properties: { coupon_id: 'BAGS20' } }),
  { ...track(anon, '', now - 2000), type: 'page', properties: { path: '/checkout/cart' } },
]

describe('an anonymous profile merged at sign-in', () => {
  it('is counted once by the catalog and listed once by audiences, under the user', async () => {
    await clearIndex()
    const [signsIn, browses, user] = [uniqueId('a'), uniqueId('a'), uniqueId('u')]
    const now = Date.now()
    const held: QueueMessage[] = []
    await holdExports(anonymousProfile(signsIn), held)

    expect((await json(await post('/v1/batch', { batch: browse(signsIn, now) }))).accepted).toBe(2)
    expect((await json(await post('/v1/batch', { batch: browse(browses, now) }))).accepted).toBe(2)
    const identify = {
      type: 'identify',
      anonymousId: signsIn,
      userId: user,
      timestamp: new Date(now - 1000).toISOString(),
      messageId: uniqueId('m'),
      context: { userHash: await userHash(user) },
    }
    expect((await json(await post('/v1/batch', { batch: [identify] }))).accepted).toBe(1)
    // The user's and the other visitor's changes went through the queue.
    const ids = [anonymousProfile(signsIn), anonymousProfile(browses), user]
    await expect
      .poll(() => indexedProfiles(ids), { timeout: 10_000, interval: 100 })
      .toEqual([anonymousProfile(browses), user].sort())

    // The anonymous profile's changes (and whatever the merge sent) arrive now, after the merge.
    expect(held.length).toBeGreaterThan(0)
    expect((await deliver(held)).retryMessages).toEqual([])

    expect(await indexedProfiles(ids)).toEqual([anonymousProfile(browses), user].sort())
    expect(await audience('coupon_claimer')).toEqual({
      count: 2,
      ids: [anonymousProfile(browses), user].sort(),
    })
    expect(await coverage('coupon_claimer')).toEqual({ profiles: 2, holding: 2 })
  })
})
