import { env } from 'cloudflare:workers'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { profileStub } from '../../collector/profile/stub.ts'
import { iso, json, post, track, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

const CLIENT_ERRORS = [400, 401, 403, 404, 413]

/** Any answer to bad input is a 200 listing the rejects or a 4xx saying why, never a 5xx. */
async function expectHandled(response: Response) {
  expect([200, ...CLIENT_ERRORS]).toContain(response.status)
  const body = await json(response)
  if (response.status === 200) expect(body.success).toBe(true)
  else expect(body.error).toEqual(expect.any(String))
}

describe('bad input never causes a 5xx', () => {
  it('any text as the body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
        await expectHandled(await post('/v1/batch', text))
      }),
      { numRuns: 60 },
    )
  })

  it('any JSON values as events, and event-shaped objects with any field values', async () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined))
    const eventLike = fc.record(
      {
        type: fc.oneof(fc.constantFrom('track', 'page', 'identify', 'alias'), field),
        event: field,
        anonymousId: fc.oneof(fc.string({ maxLength: 8 }), field),
        userId: field,
        previousId: field,
        messageId: field,
        timestamp: fc.oneof(
          fc.date().map((d) => (isNaN(d.getTime()) ? 'x' : iso(d.getTime()))),
          field,
        ),
        sentAt: field,
        properties: field,
        traits: field,
        context: field,
      },
      { requiredKeys: [] },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.jsonValue({ maxDepth: 4 }), eventLike), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.oneof(fc.constant(undefined), field),
        fc.oneof(fc.constant(undefined), field),
        async (batch, sentAt, context) => {
          await expectHandled(await post('/v1/batch', { batch, sentAt, context }))
        },
      ),
      { numRuns: 60 },
    )
  })
})

describe('exactly once', () => {
  it('a retry after a commit whose response was lost counts nothing twice', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const batch = [track(anon, 'Order Completed', now - 1000, { properties: { revenue: 50 } })]
    // The profile commits, then the response never reaches the client...
    const first = await json(await post('/v1/batch', { batch }))
    expect(first.accepted).toBe(1)
    // ...which sends the same batch again (with a new sentAt, as Segment clients do).
    const retry = await json(await post('/v1/batch', { batch, sentAt: iso(Date.now()) }))
    expect(retry).toMatchObject({ accepted: 0, duplicates: 1 })
    expect(await profileStub(env, anonymousProfile(anon)).tags()).toMatchObject({
      value: { lifecycle_stage: 'new' },
    })
  })
})
