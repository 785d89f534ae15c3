// A batch to a profile object that is running (warm) reads nothing it already knows: the profile
// id, forward, listing marks, tag errors and current tags are cached after their first read, and
// an outbox a drain found empty stays known empty until a commit adds to it. What remains is the
// events' own statement(s) (collector/profile/event-store.ts).
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { expect, it } from 'vitest'
import { anonymousProfile } from '../../rules/index.ts'
import { json, post, track, uniqueId } from './helpers.ts'

it('a warm batch that changes no tag runs no statement but the events table’s', async () => {
  const anon = uniqueId('a')
  const batch = () => ({
    batch: Array.from({ length: 20 }, (_, i) =>
      track(anon, 'Product Viewed', Date.now() - 20_000 + i),
    ),
  })
  // The first batches create the profile and settle its tags.
  for (let i = 0; i < 2; i++) await post('/v1/batch', batch())
  const statements: string[] = []
  await runInDurableObject(env.PROFILES.getByName(anonymousProfile(anon)), (_, state) => {
    const sql = state.storage.sql
    const exec = sql.exec.bind(sql)
    Object.assign(sql, {
      exec: (query: string, ...bindings: SqlStorageValue[]) => {
        statements.push(query.replace(/\s+/g, ' ').trim())
        return exec(query, ...bindings)
      },
    })
  })
  for (let i = 0; i < 3; i++)
    expect(await json(await post('/v1/batch', batch()))).toMatchObject({ accepted: 20 })
  expect(statements.length).toBeGreaterThanOrEqual(3)
  expect(statements.filter((query) => !/\bevents\b/.test(query))).toEqual([])
})
