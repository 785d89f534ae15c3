// Compressed ingest bodies (collector/read-body.ts): Segment's server libraries send
// `Content-Encoding: gzip` when asked to (analytics-python's `gzip=True`).
import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, BASE, basic, json, track, uniqueId, WRITE_KEY } from './helpers.ts'

/** The stored event types of anonymous visitor `anonymousId`'s profile. */
const storedEvents = async (anonymousId: string) =>
  (
    await json<{ events: { type: string }[] }>(
      await admin(`/v1/profiles/${anonymousProfile(anonymousId)}`),
    )
  ).events

describe('a compressed body (Content-Encoding: gzip, as Segment libraries send with gzip on)', () => {
  const gzip = async (text: string) =>
    new Uint8Array(
      await new Response(
        new Blob([text]).stream().pipeThrough(new CompressionStream('gzip')),
      ).arrayBuffer(),
    )
  const send = (body: Uint8Array, encoding: string) =>
    SELF.fetch(`${BASE}/v1/batch`, {
      method: 'POST',
      headers: {
        authorization: basic(WRITE_KEY),
        'content-type': 'application/json',
        'content-encoding': encoding,
      },
      body,
    })

  it('is read as its JSON and stored', async () => {
    // It was read as text: 400 "body is not valid UTF-8", and a server library drops a batch
    // answered 400 (analytics-python's gzip=True).
    const anon = uniqueId('a')
    const text = JSON.stringify({ batch: [track(anon, 'Zipped', Date.now())] })
    const response = await send(await gzip(text), 'gzip')
    expect(await json(response)).toMatchObject({ success: true })
    expect((await storedEvents(anon)).map((e) => e.type)).toEqual(['track'])
  })

  it('that inflates past 500 KB: 413, read no further than the limit', async () => {
    const bomb = await gzip(' '.repeat(5_000_000))
    expect(bomb.byteLength).toBeLessThan(10_000)
    const response = await send(bomb, 'gzip')
    expect(response.status).toBe(413)
    expect((await json(response)).error).toBe(
      'body over 500 KB (decompressed): send fewer events per request',
    )
  })

  it('that is not gzip: 400; another encoding: 415, each saying so', async () => {
    const broken = await send(new TextEncoder().encode('{"batch":[]}'), 'gzip')
    expect(broken.status).toBe(400)
    expect((await json(broken)).error).toBe('body is not valid gzip (Content-Encoding: gzip)')
    const brotli = await send(new Uint8Array([1, 2, 3]), 'br')
    expect(brotli.status).toBe(415)
    expect((await json(brotli)).error).toBe(
      'Content-Encoding "br" is not supported: send the body as is or gzip it',
    )
  })
})
