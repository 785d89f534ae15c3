import { describe, expect, it } from 'vitest'
import { admin, iso, json, post, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

interface Stored {
  messageId: string
  event?: string
}

const storedIds = async (profile: string) =>
  (await json<{ events: Stored[] }>(await admin(`/v1/profiles/${profile}`))).events.map(
    (e) => e.messageId,
  )

describe('message ids of events sent without one', () => {
  it('counts an event without messageId and timestamp every time it is sent (two logins are two)', async () => {
    const user = uniqueId('a')
    const login = { anonymousId: user, event: 'Login' }
    const first = await json(await post('/v1/track', login))
    const second = await json(await post('/v1/track', login))
    const batched = await json(await post('/v1/batch', { batch: [{ type: 'track', ...login }] }))
    for (const body of [first, second, batched])
      expect(body).toMatchObject({ accepted: 1, duplicates: 0 })
    const ids = await storedIds(anonymousProfile(user))
    expect(new Set(ids).size).toBe(3)
  })

  it('gives an event with its own timestamp the same id on every route, so a retry is a duplicate', async () => {
    const user = uniqueId('a')
    const event = {
      anonymousId: user,
      event: 'Order Completed',
      timestamp: iso(Date.now() - 5000),
      properties: { revenue: 12 },
      context: { locale: 'fr-FR' },
    }
    const single = await json(await post('/v1/track', event))
    expect(single).toMatchObject({ accepted: 1, duplicates: 0 })
    // The same event in a batch (its type in the event, not in the path), sent later: a new
    // `sentAt` and the writeKey in the body change nothing.
    const batched = await json(
      await post('/v1/batch', {
        batch: [{ type: 'track', ...event, sentAt: iso(Date.now()) }],
        sentAt: iso(Date.now()),
      }),
    )
    expect(batched).toMatchObject({ accepted: 0, duplicates: 1 })
    const [id] = await storedIds(anonymousProfile(user))
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    // The request's context is part of the event: a different one is a different event.
    const elsewhere = await json(
      await post('/v1/batch', {
        batch: [{ type: 'track', ...event }],
        context: { ip: '10.0.0.1' },
      }),
    )
    expect(elsewhere).toMatchObject({ accepted: 1, duplicates: 0 })
  })
})
