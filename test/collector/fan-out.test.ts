import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { deliverBatch } from '../../collector/ingest/deliver-batch.ts'
import { prepareEvent } from '../../collector/ingest/prepare-event.ts'
import { MAX_BATCH_PROFILES } from '../../collector/limits.ts'
import { admin, json, post, track, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

// Issue 17, finding 1: a batch spanning many profiles. 2,500 new profiles in one request ran the
// local runtime's SQLite out of memory: a 500 after ~16 s with ~2,360 profiles committed.

/** `n` events of `n` different new anonymous profiles. */
const spread = (n: number, prefix: string, ms = Date.now() - 1000) =>
  Array.from({ length: n }, (_, i) => track(`${prefix}-${i}`, 'Product Viewed', ms))

/** Makes every later insert into `id`'s events fail, as a storage out of memory would. */
const breakStorage = (anonymousId: string) =>
  runInDurableObject(env.PROFILES.getByName(anonymousProfile(anonymousId)), (_, state) => {
    state.storage.sql.exec(
      `CREATE TRIGGER injected_fault BEFORE INSERT ON event_batches BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
    )
  })
const repairStorage = (anonymousId: string) =>
  runInDurableObject(env.PROFILES.getByName(anonymousProfile(anonymousId)), (_, state) => {
    state.storage.sql.exec(`DROP TRIGGER injected_fault`)
  })

describe('fan-out (issue 17, finding 1)', () => {
  it('a batch of 2,500 events naming 2,500 profiles is refused up front with 413, nothing stored', async () => {
    const prefix = uniqueId('fan')
    const started = performance.now()
    const response = await post('/v1/batch', { batch: spread(2500, prefix) })
    console.log(
      `fan-out: 2,500 profiles in one request answered ${response.status} in ${Math.round(performance.now() - started)} ms`,
    )
    expect(response.status).toBe(413)
    const body = await json(response)
    expect(body.error).toContain(`names 2500 profiles`)
    expect(body.error).toContain(`at most ${MAX_BATCH_PROFILES} per request`)
    for (const i of [0, 1249, 2499])
      expect((await admin(`/v1/profiles/${anonymousProfile(`${prefix}-${i}`)}`)).status).toBe(404)
  }, 120_000)

  it(`a batch naming ${MAX_BATCH_PROFILES} profiles is delivered, one more is refused`, async () => {
    const called: string[] = []
    const stub = (id: string) => ({
      ingest: (_: string, events: unknown[]) => {
        called.push(id)
        return { value: { accepted: events.length, duplicates: 0, rejected: [], tags: {} } }
      },
    })
    const fake = { PROFILES: { getByName: stub } } as unknown as typeof env
    const now = Date.now()
    const prepared = await Promise.all(
      spread(MAX_BATCH_PROFILES + 1, uniqueId('lim'), now).map(async (raw) => {
        const result = await prepareEvent(raw, { receivedAt: now })
        if (!result.ok) throw new Error(result.error)
        return result.event
      }),
    )
    const rate = { limit: 10, periodMs: 60_000 }
    const { deliveries } = await deliverBatch(fake, prepared.slice(1), now, rate)
    expect(deliveries).toHaveLength(MAX_BATCH_PROFILES)
    await expect(deliverBatch(fake, prepared, now, rate)).rejects.toMatchObject({ status: 413 })
    // Refused before any profile was called.
    expect(called).toHaveLength(MAX_BATCH_PROFILES)
  })

  it('a profile that cannot commit fails alone: its events come back retryable, the others are stored', async () => {
    const broken = uniqueId('broken')
    const [ok1, ok2] = [uniqueId('ok'), uniqueId('ok')]
    const now = Date.now() - 1000
    expect(
      (await post('/v1/batch', { batch: [track(broken, 'Product Viewed', now)] })).status,
    ).toBe(200)
    await breakStorage(broken)

    const batch = [
      track(ok1, 'Product Viewed', now),
      track(broken, 'Coupon Claimed', now),
      track(ok2, 'Product Viewed', now),
      track(broken, 'Product Viewed', now),
    ]
    const response = await post('/v1/batch', { batch })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body.accepted).toBe(2)
    expect(body.rejected.map((r) => [r.index, r.messageId])).toEqual([
      [1, batch[1]!.messageId],
      [3, batch[3]!.messageId],
    ])
    for (const rejected of body.rejected) {
      expect(rejected).toMatchObject({ retryable: true })
      expect(rejected.error).toContain('send this event again')
      expect(rejected.error).not.toContain('injected fault')
    }
    for (const id of [ok1, ok2])
      expect((await admin(`/v1/profiles/${anonymousProfile(id)}`)).status).toBe(200)

    // A batch of the broken profile alone stored nothing: 503, retry it all.
    const alone = await post('/v1/batch', { batch: [batch[1]] })
    expect(alone.status).toBe(503)
    expect(alone.headers.get('retry-after')).toBe('5')
    expect((await json(alone)).error).toContain('no event was stored: retry the batch')

    // Repaired, the same batch again: the broken profile's events count once, the rest are duplicates.
    await repairStorage(broken)
    const retried = await json(await post('/v1/batch', { batch }))
    expect(retried).toMatchObject({ accepted: 2, duplicates: 2, rejected: [] })
    const view = await json<{ events: unknown[] }>(
      await admin(`/v1/profiles/${anonymousProfile(broken)}`),
    )
    expect(view.events).toHaveLength(3)
  })
})
