import fc from 'fast-check'
import { abortAllDurableObjects } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { PreviewStatus } from '../../collector/rules/preview.ts'
import { json } from './helpers.ts'
import {
  ACTIVE,
  directory,
  DRAFT,
  expectedTags,
  nextPage,
  postPreview,
  previewOf,
  previewStatus,
  publishWithBackfill,
  putRules,
  sendPeople,
  storedTags,
  TAG_IDS,
  type Act,
} from './preview-helpers.ts'

const act: fc.Arbitrary<Act> = fc.record({
  order: fc.boolean(),
  revenue: fc.integer({ min: 0, max: 1500 }),
  daysAgo: fc.integer({ min: 0, max: 60 }),
})
const people = fc.array(fc.array(act, { maxLength: 5 }), { minLength: 1, maxLength: 3 })

describe('a rules preview', () => {
  it('equals what publishing with backfill then shows, tag by tag (generated profiles)', async () => {
    await fc.assert(
      fc.asyncProperty(people, async (generated) => {
        await sendPeople(generated)
        // Stored tags are the active rules' rebuild, as a backfill leaves them.
        await publishWithBackfill(ACTIVE)
        const profiles = await directory()
        const before = await Promise.all(profiles.map(storedTags))

        const preview = await previewOf(DRAFT)

        await publishWithBackfill(DRAFT)
        const after = await Promise.all(profiles.map(storedTags))
        expect(preview.profiles).toBe(profiles.length)
        expect(preview.tags).toEqual(
          expectedTags(
            TAG_IDS,
            before.map((tags, n) => [tags, after[n]!]),
          ),
        )
      }),
      // Small: every run adds up to 3 profiles and runs two backfills over all of them.
      { numRuns: 6 },
    )
  })

  it('pages a large directory with progress, and resumes after an eviction', async () => {
    expect((await putRules(ACTIVE)).status).toBe(200)
    // More than PREVIEW_INLINE_PROFILES (10 in the tests), 4 per page (BACKFILL_PAGE_SIZE).
    await sendPeople(
      Array.from({ length: 11 }, (_, n) => [
        { order: n % 2 === 0, revenue: 100 * n, daysAgo: n },
        { order: false, revenue: 0, daysAgo: 1 },
      ]),
    )
    const total = (await directory()).length
    expect(total).toBeGreaterThan(10)

    const response = await postPreview(DRAFT)
    expect(response.status).toBe(202)
    const started = await json<PreviewStatus>(response)
    expect(started).toMatchObject({ state: 'running', processed: 0, total })
    expect(started).not.toHaveProperty('tags')
    expect(response.headers.get('location')).toBe(`/v1/rules/preview/${started.id}`)

    await nextPage()
    const first = await previewStatus(started.id)
    expect(first).toMatchObject({ state: 'running', processed: 4, total })
    // Every object is reset, as after an eviction or a crash: only storage survives.
    await abortAllDurableObjects()
    expect(await previewStatus(started.id)).toEqual(first)
    await nextPage()
    expect(await previewStatus(started.id)).toMatchObject({ processed: 8, total })
    await abortAllDurableObjects()
    let done = await previewStatus(started.id)
    while (done.state === 'running') {
      await nextPage()
      done = await previewStatus(started.id)
    }
    expect(done).toMatchObject({ state: 'done', processed: total, total, profiles: total })

    // Counted once each, as the same preview run at once over this directory counts them.
    expect((await putRules(DRAFT)).status).toBe(200)
    expect((await putRules(ACTIVE)).status).toBe(200)
    const again = await previewOf(DRAFT)
    expect(again.tags).toEqual(done.tags)
  })
})
