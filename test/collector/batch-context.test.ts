import { describe, expect, it } from 'vitest'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, json, post, track, uniqueId } from './helpers.ts'

/**
 * A batch's top-level `context` is merged into each of its events (spec: collector.md, "Ingest"),
 * so what the profiles receive and store is the context once per event: the limits count it so.
 */
describe("a batch's context counts in every event it is copied into", () => {
  it('a 30 KB context copied into 2,000 events (60 MB to store from a 200 KB body) is a 413, not a 503, and stores nothing', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const batch = Array.from({ length: 2000 }, (_, i) => track(anon, `E${i}`, now - 1000))
    const text = JSON.stringify({ batch, context: { pad: 'x'.repeat(30 * 1024) } })
    expect(text.length).toBeLessThan(500 * 1024)
    const response = await post('/v1/batch', text)
    // Each event is under 32 KB with the context merged in, but together they are not. Before:
    // the profile call carried 2,000 copies of the context, over the 32 MiB RPC limit, and the
    // client got a retryable 503 for a request that can never pass.
    expect(response.status).toBe(413)
    expect((await json(response)).error).toMatch(
      /"context" \(\d+ bytes\) is copied into each of its 2000 events/,
    )
    expect((await admin(`/v1/profiles/${anonymousProfile(anon)}`)).status).toBe(404)
  })

  it('an event over 32 KB once the context is merged into it is rejected alone', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const small = track(anon, 'Small', now - 1000)
    const padded = track(anon, 'Padded', now - 1000, {
      context: { page: { title: 'y'.repeat(20 * 1024) } },
    })
    const body = await json(
      await post('/v1/batch', {
        batch: [padded, small],
        context: { campaign: { name: 'x'.repeat(20 * 1024) } },
      }),
    )
    // Before: stored as a 40 KB event.
    expect(body.accepted).toBe(1)
    expect(body.rejected).toEqual([
      {
        index: 0,
        messageId: padded.messageId,
        error: expect.stringMatching(/^event is 4\d{4} bytes, over the 32 KB limit/),
      },
    ])
  })
})
