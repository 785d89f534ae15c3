// Rules versions are bounded: every publication (and rollback) stored its whole document, up to
// 1 MB, in the rules object forever. Kept now: the latest 100 publications, which
// `GET /v1/rules/versions` lists exactly (each can be rolled back to), and the version a running
// preview still reads as its active side.
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterAll, describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { KEPT_PUBLICATIONS } from '../../collector/rules/rules-do.ts'
import type { PreviewStatus } from '../../collector/rules/preview.ts'
import { admin, get, json } from './helpers.ts'
import {
  ACTIVE,
  DRAFT,
  nextPage,
  postPreview,
  previewStatus,
  putRules,
  sendPeople,
} from './preview-helpers.ts'

interface Published {
  status: string
  version: string
}
interface Listing {
  active: string
  versions: { version: string; publishedAt: string }[]
}

/** `ACTIVE` with one more tag, `probe`, that differs with `n`: a new version per `n`. */
const probeDocument = (n: number) => ({
  ...ACTIVE,
  tags: { ...ACTIVE.tags, probe: { when: { '>=': [{ var: 'metrics.orders' }, n + 2] } } },
})
const publish = async (document: unknown) => {
  const response = await putRules(document)
  expect(response.status).toBe(200)
  return (await json<Published>(response)).version
}
const listed = async () =>
  (await json<Listing>(await admin('/v1/rules/versions'))).versions.map((row) => row.version)
const rollback = (version: string) =>
  admin('/v1/rules/rollback', {
    method: 'POST',
    body: JSON.stringify({ version }),
    headers: { 'content-type': 'application/json' },
  })
const activeVersion = async () => (await get('/v1/rules')).headers.get('etag')
/** The rules version a profile's checkpoint was saved under. */
const snapshotVersion = (profile: string) =>
  runInDurableObject(
    env.PROFILES.getByName(profile),
    (_, state) =>
      state.storage.sql
        .exec<{ rules_version: string }>(`SELECT rules_version FROM state WHERE id = 1`)
        .toArray()[0]?.rules_version,
  )

afterAll(async () => {
  expect((await putRules(catalog)).status).toBe(200)
})

describe('rules versions are bounded', () => {
  it('105 publications keep the latest 100 and the version a running preview reads', async () => {
    const first = await publish(ACTIVE)
    // More profiles than PREVIEW_INLINE_PROFILES (10): the preview runs in the alarm, page by page.
    const people = await sendPeople(
      Array.from({ length: 11 }, (_, n) => [{ order: true, revenue: 100 * n, daysAgo: 1 }]),
    )
    expect(await snapshotVersion(people[0]!)).toBe(first)
    const started = await postPreview(DRAFT)
    expect(started.status).toBe(202)
    const preview = await json<PreviewStatus>(started)
    expect(preview).toMatchObject({ state: 'running', active: first })

    const published: string[] = []
    for (let n = 0; n < 105; n++) published.push(await publish(probeDocument(n)))
    expect(new Set(published).size).toBe(105)
    // The latest 100, newest first, then the preview's active side (pinned while it runs).
    expect(await listed()).toEqual([...published.slice(-KEPT_PUBLICATIONS).reverse(), first])
    expect((await admin(`/v1/rules/versions/${first}`)).status).toBe(200)

    // The preview still reads its active side: every profile evaluated, none failed.
    let status = preview
    for (let pages = 0; status.state === 'running' && pages < 20; pages++) {
      await nextPage()
      status = await previewStatus(preview.id)
    }
    expect(status).toMatchObject({ state: 'done', profiles: 11, failed: 0 })

    // Finished, it pins nothing: the next publication drops the row.
    published.push(await publish(probeDocument(105)))
    expect(await listed()).toEqual(published.slice(-KEPT_PUBLICATIONS).reverse())
    const rows = await runInDurableObject(env.RULES.getByName('rules'), (_, state) =>
      state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM versions`).one(),
    )
    expect(rows.n).toBe(KEPT_PUBLICATIONS)

    // A rollback to a dropped version is a 404 that says why, not a 5xx.
    for (const dropped of [first, published[0]!]) {
      const refused = await rollback(dropped)
      expect(refused.status).toBe(404)
      expect((await json(refused)).error).toContain(`latest ${KEPT_PUBLICATIONS} publications`)
      expect((await admin(`/v1/rules/versions/${dropped}`)).status).toBe(404)
    }
    expect(await activeVersion()).toBe(`"${published.at(-1)}"`)

    // A profile whose checkpoint names the dropped version restores under the active rules.
    expect(await snapshotVersion(people[3]!)).toBe(first)
    await abortAllDurableObjects()
    const anonymousId = people[3]!.slice('anonymous:'.length)
    const read = await json<{ tags: Record<string, unknown>; rulesVersion: string }>(
      await get(`/v1/tags?anonymousId=${anonymousId}`),
    )
    expect(read.rulesVersion).toBe(published.at(-1))
    expect(read.tags).toMatchObject({ buyer: true, spend_tier: 'low', recent_buyer: true })
    expect(read.tags.probe ?? false).toBe(false)
  })

  it('every listed version can be rolled back to, oldest first', async () => {
    const versions = await listed()
    expect(versions).toHaveLength(KEPT_PUBLICATIONS)
    // Oldest first: each rollback is a publication that drops the oldest row, the one it copied.
    for (const version of versions.slice(1).reverse()) {
      expect(await listed()).toContain(version)
      const back = await rollback(version)
      expect(back.status).toBe(200)
      expect(await json<Published>(back)).toMatchObject({ status: 'published', version })
      expect(await activeVersion()).toBe(`"${version}"`)
    }
    const newest = await rollback(versions[0]!)
    expect(await json<Published>(newest)).toMatchObject({ status: 'published' })
    expect(await listed()).toEqual(versions)
  })
})
