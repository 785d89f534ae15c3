import { describe, expect, it } from 'vitest'
import {
  admin,
  ADMIN_KEY,
  basic,
  bearer,
  iso,
  json,
  post,
  postAsServer,
  track,
  uniqueId,
  WRITE_KEY,
} from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { everything } from './preview-helpers.ts'

interface View {
  profile: string
  aliases: string[]
  traits: Record<string, unknown>
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
  tagHistory: { tag: string; from: unknown; to: unknown; at: string }[]
  events: { messageId: string }[]
  evaluatedAt: string
  rulesVersion: string
  error?: string
}

async function profileWithOrder() {
  const user = uniqueId('u')
  const now = Date.now()
  await postAsServer('/v1/batch', {
    batch: [
      { type: 'identify', userId: user, traits: { plan: 'plus' }, timestamp: iso(now - 3000) },
      track(uniqueId('a'), 'Order Completed', now - 2000, {
        userId: user,
        properties: { revenue: 120 },
      }),
    ],
  })
  return user
}

describe('GET /v1/profiles/:id', () => {
  it('shows traits, tags, metrics, tag history and the latest events', async () => {
    const user = await profileWithOrder()
    const response = await admin(`/v1/profiles/${user}`)
    expect(response.status).toBe(200)
    const view = await json<View>(response)
    expect(view).toMatchObject({
      profile: user,
      aliases: [expect.stringMatching(/^anonymous:a-/)],
      traits: { plan: 'plus' },
      tags: { lifecycle_stage: 'new' },
    })
    expect(view.metrics).toMatchObject({ orders_lifetime: 1, revenue_30d: 120 })
    expect(view.tagHistory).toContainEqual(
      expect.objectContaining({ tag: 'lifecycle_stage', from: null, to: 'new' }),
    )
    expect(view.events).toHaveLength(2)
    expect(Math.abs(Date.parse(view.evaluatedAt) - Date.now())).toBeLessThan(5000)
  })

  it('lists at most the latest 100 events', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const batch = Array.from({ length: 120 }, (_, i) => track(anon, 'Product Viewed', now - i))
    expect((await json(await post('/v1/batch', { batch }))).accepted).toBe(120)
    const view = await json<View>(await admin(`/v1/profiles/${anonymousProfile(anon)}`))
    expect(view.events).toHaveLength(100)
    expect(view.events[0]!.messageId).toBe(batch[0]!.messageId)
  })

  it('404 for a profile with no events', async () => {
    const response = await admin(`/v1/profiles/${uniqueId('nobody')}`)
    expect(response.status).toBe(404)
    expect((await json<View>(response)).error).toContain('no profile')
  })

  it('needs the adminKey as a Bearer token; a writeKey never works', async () => {
    const user = await profileWithOrder()
    const tries: [string, string][] = [
      ['', 'this route needs the adminKey'],
      [basic(WRITE_KEY), 'this route needs the adminKey'],
      [bearer(WRITE_KEY), 'wrong adminKey'],
      [bearer(`${ADMIN_KEY}x`), 'wrong adminKey'],
      [basic(ADMIN_KEY), 'this route needs the adminKey'],
    ]
    for (const [authorization, message] of tries) {
      const response = await admin(`/v1/profiles/${user}`, { headers: { authorization } })
      expect(response.status, authorization).toBe(401)
      expect((await json<View>(response)).error).toContain(message)
    }
  })
})

describe('GET /v1/profiles/:id/explain/:tag', () => {
  it('explains a tag with the values that decided it', async () => {
    const user = await profileWithOrder()
    const response = await admin(`/v1/profiles/${user}/explain/lifecycle_stage`)
    expect(response.status).toBe(200)
    const explanation = await json<{ tag: string; value: unknown; parts: unknown[] }>(response)
    expect(explanation).toMatchObject({ tag: 'lifecycle_stage', value: 'new' })
    expect(explanation.parts.length).toBeGreaterThan(0)
  })

  it('404 for an unknown tag or profile', async () => {
    const user = await profileWithOrder()
    const tag = await admin(`/v1/profiles/${user}/explain/no_such_tag`)
    expect(tag.status).toBe(404)
    expect((await json<View>(tag)).error).toContain('unknown tag "no_such_tag"')
    const profile = await admin(`/v1/profiles/${uniqueId('nobody')}/explain/lifecycle_stage`)
    expect(profile.status).toBe(404)
  })
})

describe('DELETE /v1/profiles/:id', () => {
  it('erases everything the profile stored', async () => {
    const user = await profileWithOrder()
    const response = await admin(`/v1/profiles/${user}`, { method: 'DELETE' })
    expect(response.status).toBe(204)
    expect((await admin(`/v1/profiles/${user}`)).status).toBe(404)
    // Every table of the profile (whatever its schema names them) is empty but `meta`, where only
    // the time of the erasure stays (a merge still pending then must not undo it); no alarm.
    const { tables, alarm } = await everything(user)
    const { meta, ...data } = tables
    const filled = Object.entries(data).filter(([, rows]) => rows.length > 0)
    expect({ alarm, filled, meta: meta?.map((row) => row.key) }).toEqual({
      alarm: null,
      filled: [],
      meta: ['erased_at'],
    })
    // The profile starts afresh.
    const again = await json(await post('/v1/batch', { batch: [track(user, 'X', Date.now())] }))
    expect(again.accepted).toBe(1)
  })

  it('204 for a profile that never existed; needs the adminKey', async () => {
    const id = uniqueId('nobody')
    expect((await admin(`/v1/profiles/${id}`, { method: 'DELETE' })).status).toBe(204)
    const refused = await admin(`/v1/profiles/${id}`, {
      method: 'DELETE',
      headers: { authorization: basic(WRITE_KEY) },
    })
    expect(refused.status).toBe(401)
  })
})
