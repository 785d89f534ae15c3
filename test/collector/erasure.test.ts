import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { recordErasure } from '../../collector/export/erasures.ts'
import worker from '../../collector/index.ts'
import type { ExportMessage } from '../../collector/index.ts'
import { forgetErasedStatements } from '../../collector/profile/erase-person.ts'
import { profileStub } from '../../collector/profile/stub.ts'
import { admin, iso, json, postAsServer, track, uniqueId } from './helpers.ts'
import { spyOnQueue } from './queue-spy.ts'
import { storedCount } from './stored-events.ts'
import { anonymousProfile } from '../../rules/index.ts'

let queue: ReturnType<typeof spyOnQueue> | undefined
afterEach(() => {
  queue?.restore()
  queue = undefined
  vi.restoreAllMocks()
})

/** An order of anonymous visitor `anonymousId` (with `userId`, of that user). */
const order = (anonymousId: string, ms: number, userId?: string) =>
  track(anonymousId, 'Order Completed', ms, {
    properties: { revenue: 100 },
    ...(userId === undefined ? {} : { userId }),
  })

/**
 * A user with `count` anonymous visitors merged into it (an identify each, as a site's backend
 * sends them): its aliases are their profile names.
 */
async function personWithAliases(count: number) {
  const user = uniqueId('u')
  const visitors = Array.from({ length: count }, () => uniqueId('a'))
  const now = Date.now()
  const body = await json(
    await postAsServer('/v1/batch', {
      batch: [
        order(uniqueId('a'), now - 10_000, user),
        ...visitors.map((anon, i) => ({
          type: 'identify',
          anonymousId: anon,
          userId: user,
          messageId: uniqueId('m'),
          timestamp: iso(now - 5000 + i),
        })),
      ],
    }),
  )
  expect(body.accepted).toBe(count + 1)
  // The first order's visitor joined the user too.
  const { aliases } = await json<{ aliases: string[] }>(await admin(`/v1/profiles/${user}`))
  expect(aliases.sort()).toEqual(expect.arrayContaining(visitors.map(anonymousProfile)))
  return { user, aliases }
}

const indexRows = async (profile: string) =>
  (
    await env.DB.prepare('SELECT tag FROM tag_index WHERE profile = ?')
      .bind(profile)
      .all<{ tag: string }>()
  ).results

const loggedChanges = async (profile: string) =>
  (
    await env.DB.prepare('SELECT id FROM tag_changes WHERE profile = ?')
      .bind(profile)
      .all<{ id: string }>()
  ).results

/** Runs the Worker's queue consumer on `messages` (with `target`'s bindings). */
async function consume(messages: ExportMessage[], target: typeof env = env) {
  const batch = createMessageBatch<ExportMessage>(
    'tagwise-tag-changes',
    messages.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, target, ctx)
  return getQueueResult(batch, ctx)
}

describe('DELETE /v1/profiles/:id', () => {
  it('erases a person with 150 aliases and announces every id, each send within the Queue limits', async () => {
    const { user, aliases } = await personWithAliases(150)
    queue = spyOnQueue()
    const response = await admin(`/v1/profiles/${aliases[7]}`, { method: 'DELETE' })
    expect(queue.refused).toEqual([])
    expect(response.status).toBe(204)
    const announced = queue.notices().map((n) => n.deletion.profile)
    expect(announced.sort()).toEqual([user, ...aliases].sort())
    expect(queue.sends.length).toBeGreaterThan(1)
    for (const id of [user, aliases[0]!, aliases[149]!])
      expect((await admin(`/v1/profiles/${id}`)).status).toBe(404)
  }, 60_000)

  it("records the tombstones of a person with 8,000 merged ids of the longest length, within D1's 2 MB a string", async () => {
    // The ids merged into a person have no bound (a server source aliases any id into a user, a
    // visitor who signs in on every new browser adds one each time). In one D1 parameter 8,000
    // names of 266 characters took 2.6 MB, their tombstones 3 MB, over D1's 2 MB a string
    // (SQLITE_TOOBIG): every DELETE of that person answered 500 before erasing anything. (The
    // DELETE itself is not run here: 8,000 profile objects take minutes to erase in the pool.)
    const person = uniqueId('u')
    const ids = [
      person,
      ...Array.from({ length: 8000 }, (_, i) =>
        anonymousProfile(`${person}-${i}-`.padEnd(256, 'a')),
      ),
    ]
    const recorded = await recordErasure(env.DB, person, ids, Date.now())
    expect(recorded.map((e) => e.profile).sort()).toEqual([...ids].sort())
    expect(new Set(recorded.map((e) => e.notice)).size).toBe(ids.length)
    // The batch that follows the erasure of their data forgets every one of them.
    const last = ids.at(-1)!
    await env.DB.batch([
      env.DB.prepare('INSERT INTO profiles (id, first_seen, last_seen) VALUES (?, 1, 1)').bind(
        last,
      ),
      env.DB.prepare(
        `INSERT INTO tag_index (profile, tag, value, num, updated_at) VALUES (?, 'cart_open', 'true', NULL, 1)`,
      ).bind(last),
    ])
    const at = Date.now()
    await env.DB.batch(forgetErasedStatements(env.DB, person, ids, at))
    expect(await indexRows(last)).toEqual([])
    const listed = await env.DB.prepare('SELECT 1 FROM profiles WHERE id = ?').bind(last).first()
    expect(listed).toBeNull()
    const marked = await env.DB.prepare(
      'SELECT count(*) AS n FROM erasures WHERE person = ? AND erased_at = ?',
    )
      .bind(person, at)
      .first<{ n: number }>()
    expect(marked?.n).toBe(ids.length)
  })

  it('announces every id again when a DELETE is retried after the queue failed, with the same notice ids', async () => {
    const { user, aliases } = await personWithAliases(5)
    queue = spyOnQueue()
    queue.state.down = true
    expect((await admin(`/v1/profiles/${user}`, { method: 'DELETE' })).status).toBe(500)
    // The data is gone; only the tombstones know which ids were merged into the user.
    expect((await admin(`/v1/profiles/${aliases[2]}`)).status).toBe(404)
    queue.state.down = false
    expect((await admin(`/v1/profiles/${aliases[2]}`, { method: 'DELETE' })).status).toBe(204)
    const first = queue.notices()
    expect(first.map((n) => n.deletion.profile).sort()).toEqual([user, ...aliases].sort())
    // Once more: the same notices, so receivers (and the delivery log) deduplicate them.
    expect((await admin(`/v1/profiles/${user}`, { method: 'DELETE' })).status).toBe(204)
    const again = queue.notices().slice(first.length)
    expect(again.map((n) => n.deletion.id).sort()).toEqual(first.map((n) => n.deletion.id).sort())
  })

  it('drops late and retried changes of an erased profile: no index row, no change log, no webhook', async () => {
    const profile = uniqueId('p')
    const before = Date.now() - 1000
    await postAsServer('/v1/batch', { batch: [order(uniqueId('a'), before, profile)] })
    expect((await admin(`/v1/profiles/${profile}`, { method: 'DELETE' })).status).toBe(204)
    const hooks = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('ok'))
    const withWebhook = {
      ...env,
      DESTINATIONS: JSON.stringify([
        { type: 'webhook', url: 'https://hooks.test/t', secret: `whsec_${btoa('k'.repeat(32))}` },
      ]),
    }
    const late: ExportMessage = {
      type: 'tag.changed',
      change: {
        id: uniqueId('c'),
        profile,
        tag: 'lifecycle_stage',
        from: null,
        to: 'new',
        at: before,
        rulesVersion: '1',
      },
    }
    const result = await consume([late], withWebhook)
    expect(result.retryMessages).toEqual([])
    expect(hooks).not.toHaveBeenCalled()
    expect(await indexRows(profile)).toEqual([])
    expect(await loggedChanges(profile)).toEqual([])
    // A later life of the same id (events after the erasure) is exported as usual.
    const reborn: ExportMessage = {
      type: 'tag.changed',
      change: { ...late.change, id: uniqueId('c'), at: Date.now() + 1000 },
    }
    expect((await consume([reborn], withWebhook)).retryMessages).toEqual([])
    expect(hooks).toHaveBeenCalledTimes(1)
    expect(await indexRows(profile)).toEqual([{ tag: 'lifecycle_stage' }])
  })

  it('erases the data of an id whose merge into the person was still pending', async () => {
    const [visitor, user] = [uniqueId('a'), uniqueId('u')]
    const anon = anonymousProfile(visitor)
    const now = Date.now()
    await postAsServer('/v1/batch', {
      batch: [order(uniqueId('a'), now - 9000, user), order(visitor, now - 8000)],
    })
    // The Worker died right after setting the forward: the user does not know the id yet.
    await profileStub(env, anon).forwardTo(anon, user, now - 3000)
    expect((await admin(`/v1/profiles/${user}`, { method: 'DELETE' })).status).toBe(204)
    // Meeting the pending forward finishes the merge: the erased person must not come back.
    expect((await admin(`/v1/profiles/${anon}`)).status).toBe(404)
    expect((await admin(`/v1/profiles/${user}`)).status).toBe(404)
    expect(await storedCount(anon)).toBe(0)
  })
})
