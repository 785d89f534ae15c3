import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { retryDelaySeconds } from '../../collector/export/consumer.ts'
import worker from '../../collector/index.ts'
import type { ExportedChange, ExportMessage } from '../../collector/index.ts'
import { admin, json, post, track, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

const indexRows = async (profile: string) =>
  (
    await env.DB.prepare(
      'SELECT tag, value, updated_at FROM tag_index WHERE profile = ? ORDER BY tag',
    )
      .bind(profile)
      .all<{ tag: string; value: string; updated_at: number }>()
  ).results.map((row) => ({ tag: row.tag, value: JSON.parse(row.value), at: row.updated_at }))

const loggedChanges = async (profile: string) =>
  (
    await env.DB.prepare('SELECT id, tag, to_value FROM tag_changes WHERE profile = ? ORDER BY seq')
      .bind(profile)
      .all<{ id: string; tag: string; to_value: string | null }>()
  ).results

const claim = (anon: string) =>
  track(anon, 'Coupon Claimed', Date.now(), { properties: { coupon_id: 'SPRING10' } })

/** Runs the Worker's queue consumer on `changes`, as the queue would deliver them. */
async function consume(changes: ExportedChange[], attempts = 1) {
  const batch = createMessageBatch<ExportMessage>(
    'tagwise-tag-changes',
    changes.map((change, i) => ({
      id: `msg-${i}-${change.id}`,
      timestamp: new Date(),
      attempts,
      body: { type: 'tag.changed', change },
    })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, env, ctx)
  return getQueueResult(batch, ctx)
}
const change = (
  profile: string,
  tag: string,
  to: ExportedChange['to'],
  at: number,
): ExportedChange => ({
  id: uniqueId('c'),
  profile,
  tag,
  from: null,
  to,
  at,
  rulesVersion: '1',
})

/**
 * Makes the queue refuse every send from profile object `stub` (`true`), as an outage does, or
 * gives it the real queue again (`false`).
 */
const queueRefuses = (stub: DurableObjectStub, refuses: boolean) =>
  runInDurableObject(stub, (instance) => {
    const queue = env.TAG_CHANGES
    ;(instance as unknown as { env: typeof env }).env = refuses
      ? {
          ...env,
          TAG_CHANGES: {
            ...queue,
            sendBatch: () => Promise.reject(new Error('queue down')),
          } as typeof queue,
        }
      : env
  })

describe('export of tag changes', () => {
  it('indexes every committed change in D1 through the queue, and lists it in the live feed', async () => {
    const anon = uniqueId('a')
    const response = await json(await post('/v1/batch', { batch: [claim(anon)] }))
    expect(response.tags).toMatchObject({ coupon_claimer: true })
    await expect
      .poll(() => indexRows(anonymousProfile(anon)), { timeout: 10_000, interval: 100 })
      .toEqual(
        expect.arrayContaining([expect.objectContaining({ tag: 'coupon_claimer', value: true })]),
      )
    const feed = await json<{
      changes: { profile: string; tag: string; to: unknown; rulesVersion: string }[]
    }>(await admin('/v1/changes?limit=500'))
    expect(feed.changes).toContainEqual(
      expect.objectContaining({
        profile: anonymousProfile(anon),
        tag: 'coupon_claimer',
        from: null,
        to: true,
      }),
    )
    // Audiences read the index the export keeps.
    const audience = await json<{ profiles: { id: string }[] }>(
      await admin('/v1/audiences/query', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ where: { var: 'tags.coupon_claimer' }, limit: 1000 }),
      }),
    )
    expect(audience.profiles.map((p) => p.id)).toContain(anonymousProfile(anon))
  })

  it('applies a redelivered change once and never lets an older change overwrite a newer one', async () => {
    const profile = uniqueId('p')
    const t = Date.now()
    const tierMid = change(profile, 'spend_tier_30d', 'mid', t)
    const tierHigh = change(profile, 'spend_tier_30d', 'high', t + 1000)
    const flagOn = change(profile, 'coupon_claimer', true, t)
    const flagOff = change(profile, 'coupon_claimer', null, t + 1000)
    // Newer first, then the older ones late (a retried message), then everything again.
    expect((await consume([tierHigh, flagOff])).retryMessages).toEqual([])
    await consume([tierMid, flagOn])
    await consume([tierMid, tierHigh, flagOn, flagOff], 2)
    expect(await indexRows(profile)).toEqual([
      { tag: 'spend_tier_30d', value: 'high', at: t + 1000 },
    ])
    expect((await loggedChanges(profile)).map((c) => c.id).sort()).toEqual(
      [tierMid.id, tierHigh.id, flagOn.id, flagOff.id].sort(),
    )
  })

  it('acknowledges a batch it indexed, and retries it with backoff when D1 fails', async () => {
    const ok = await consume([change(uniqueId('p'), 'coupon_claimer', true, Date.now())])
    expect(ok.retryMessages).toEqual([])
    expect(ok.explicitAcks).toHaveLength(1)
    const broken = {
      ...env,
      DB: {
        prepare: env.DB.prepare.bind(env.DB),
        batch: () => Promise.reject(new Error('D1 down')),
      },
    }
    const batch = createMessageBatch<ExportMessage>('tagwise-tag-changes', [
      {
        id: 'm1',
        timestamp: new Date(),
        attempts: 3,
        body: { type: 'tag.changed', change: change('p', 't', true, 1) },
      },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, broken as unknown as typeof env, ctx)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks).toEqual([])
    expect(result.retryMessages).toMatchObject([{ msgId: 'm1' }])
    expect([1, 2, 3, 8, 9, 20].map(retryDelaySeconds)).toEqual([2, 4, 8, 256, 300, 300])
  })

  it('keeps changes in the outbox when the queue refuses them, and sends them by alarm', async () => {
    const anon = uniqueId('a')
    const stub = env.PROFILES.getByName(anonymousProfile(anon))
    const outbox = () =>
      runInDurableObject(
        stub,
        (_, state) => state.storage.sql.exec('SELECT seq FROM outbox').toArray().length,
      )
    await queueRefuses(stub, true)
    expect((await json(await post('/v1/batch', { batch: [claim(anon)] }))).accepted).toBe(1)
    await expect.poll(outbox).toBeGreaterThan(0)
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).not.toBeNull()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await indexRows(anonymousProfile(anon))).toEqual([])
    // The queue is back: the alarm sends the outbox.
    await queueRefuses(stub, false)
    await runDurableObjectAlarm(stub)
    expect(await outbox()).toBe(0)
    await expect
      .poll(() => indexRows(anonymousProfile(anon)), { timeout: 10_000, interval: 100 })
      .toEqual(expect.arrayContaining([expect.objectContaining({ tag: 'coupon_claimer' })]))
  })

  it('keeps the outbox retry alarm through later commits while the queue refuses', async () => {
    const anon = uniqueId('a')
    const stub = () => env.PROFILES.getByName(anonymousProfile(anon))
    await queueRefuses(stub(), true)
    const batch = [claim(anon)]
    const retryDue = () =>
      runInDurableObject(stub(), async (_, state) => {
        const alarm = await state.storage.getAlarm()
        const pending = state.storage.sql.exec('SELECT seq FROM outbox').toArray().length
        // The retry is due within 30 s; the next time-driven change (a session's end) later.
        return pending > 0 && alarm !== null && alarm <= Date.now() + 30_000
      })
    expect((await json(await post('/v1/batch', { batch }))).accepted).toBe(1)
    await expect.poll(retryDue).toBe(true)
    // A commit that moves no tag sets the alarm at its next change, then its drain is refused
    // again: the retry is set again, earlier.
    expect((await json(await post('/v1/batch', { batch }))).duplicates).toBe(1)
    await expect.poll(retryDue).toBe(true)
    expect(
      (await json(await post('/v1/batch', { batch: [track(anon, 'Page Viewed', Date.now())] })))
        .accepted,
    ).toBe(1)
    await expect.poll(retryDue).toBe(true)
  })

  it('removes an erased profile from the index and the feed', async () => {
    const anon = uniqueId('a')
    await post('/v1/batch', { batch: [claim(anon)] })
    await expect
      .poll(() => indexRows(anonymousProfile(anon)), { timeout: 10_000, interval: 100 })
      .not.toEqual([])
    expect(
      (await admin(`/v1/profiles/${anonymousProfile(anon)}`, { method: 'DELETE' })).status,
    ).toBe(204)
    expect(await indexRows(anonymousProfile(anon))).toEqual([])
    expect(await loggedChanges(anonymousProfile(anon))).toEqual([])
  })
})

describe('GET /v1/changes', () => {
  it('pages oldest first after a cursor', async () => {
    const profile = uniqueId('p')
    await consume([1, 2, 3].map((i) => change(profile, `t${i}`, i, Date.now() + i)))
    const first = await json<{
      changes: { seq: number; profile: string; at: string }[]
      cursor: number
    }>(await admin('/v1/changes?limit=500'))
    const mine = first.changes.filter((c) => c.profile === profile)
    expect(mine.map((c) => c.seq)).toEqual([...mine.map((c) => c.seq)].sort((a, b) => a - b))
    expect(mine).toHaveLength(3)
    expect(mine[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/)
    const after = await json<{ changes: unknown[]; cursor: number }>(
      await admin(`/v1/changes?after=${mine[1]!.seq}&limit=1`),
    )
    expect(after.changes).toEqual([expect.objectContaining({ seq: mine[2]!.seq })])
    expect(after.cursor).toBe(mine[2]!.seq)
  })

  it('says which parameter is wrong, and needs the adminKey', async () => {
    const bad = await admin('/v1/changes?limit=0')
    expect(bad.status).toBe(400)
    expect((await json<{ error: string }>(bad)).error).toMatch(
      /limit must be an integer from 1 to 500/,
    )
    expect((await admin('/v1/changes?after=-1')).status).toBe(400)
    expect(
      (await admin('/v1/changes', { headers: { authorization: 'Basic ZGVtby13cml0ZS1rZXk6' } }))
        .status,
    ).toBe(401)
  })

  // Last in the file: it trims the log as the consumer does past CHANGES_KEPT (10,000).
  it('says when changes after the cursor left the log before they were read', async () => {
    const profile = uniqueId('p')
    await consume([1, 2, 3, 4].map((i) => change(profile, `t${i}`, i, Date.now() + i)))
    const { changes } = await json<{ changes: { seq: number; profile: string }[] }>(
      await admin('/v1/changes?limit=500'),
    )
    const mine = changes.filter((c) => c.profile === profile).map((c) => c.seq)
    // A reader at the first change reads on without a gap.
    const reading = await json<{ trimmed: boolean }>(await admin(`/v1/changes?after=${mine[0]}`))
    expect(reading.trimmed).toBe(false)
    // The log drops its oldest changes, up to the second: a reader still at the first missed it.
    await env.DB.prepare('DELETE FROM tag_changes WHERE seq <= ?').bind(mine[1]).run()
    const behind = await json<{ changes: { seq: number }[]; trimmed: boolean }>(
      await admin(`/v1/changes?after=${mine[0]}`),
    )
    expect(behind.changes[0]!.seq).toBe(mine[2])
    expect(behind.trimmed).toBe(true)
    const caughtUp = await json<{ trimmed: boolean }>(await admin(`/v1/changes?after=${mine[1]}`))
    expect(caughtUp.trimmed).toBe(false)
    // Before: the same answer either way, so a reader that fell behind skipped changes unaware.
  })
})
