import { createExecutionContext, createMessageBatch, getQueueResult, SELF } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readDestinations } from '../../collector/export/destinations.ts'
import { retryDelaySeconds } from '../../collector/export/consumer.ts'
import worker from '../../collector/index.ts'
import type { ExportedChange, ExportMessage, QueueMessage } from '../../collector/index.ts'
import { admin, json, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

const SECRET = `whsec_${btoa('a test secret of thirty-two byte')}`
const HOOK = 'https://hooks.test/tagwise'
const CDP = 'https://cdp.test'

const withDestinations = (destinations: unknown[]) =>
  ({
    ...env,
    DESTINATIONS: JSON.stringify(destinations),
    HOOK_SECRET: SECRET,
  }) as unknown as typeof env
const webhook = { type: 'webhook', url: HOOK, secret: 'env:HOOK_SECRET' }
const segment = { type: 'segment', endpoint: CDP, writeKey: 'demo-server-key', traitPrefix: 'tw_' }

const change = (
  profile: string,
  tag: string,
  to: ExportedChange['to'],
  at: number,
): ExportMessage => ({
  type: 'tag.changed',
  change: { id: uniqueId('c'), profile, tag, from: null, to, at, rulesVersion: '1' },
})

/** A message the consumer sent to the queue again (`sendAgain`), with its delay. */
interface SentAgain {
  body: QueueMessage
  delaySeconds?: number
}

/**
 * Runs the consumer on `messages` (all with `attempts`): the messages it retried, and those it
 * sent to the queue again (captured: the pool's queue would hand them to a consumer with the
 * default env).
 */
async function consumeOnce<Body extends QueueMessage>(
  target: typeof env,
  messages: Body[],
  attempts = 1,
) {
  const sent: SentAgain[] = []
  const queue = {
    send: async () => {
      throw new Error('the consumer sends again with sendBatch')
    },
    sendBatch: async (batch: Iterable<SentAgain>) => {
      sent.push(...batch)
    },
  }
  const batch = createMessageBatch<Body>(
    'tagwise-tag-changes',
    messages.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, { ...target, TAG_CHANGES: queue } as unknown as typeof env, ctx)
  const result = await getQueueResult(batch, ctx)
  const retried = result.retryMessages.map(
    (r: { msgId: string }) => messages[Number(r.msgId.slice(1))]!,
  )
  return { retried, sent }
}

/**
 * Runs the consumer on `messages` and returns what the queue delivers again: the retried messages,
 * then those sent again (they come a second after the retries).
 */
async function consume<Body extends QueueMessage>(
  target: typeof env,
  messages: Body[],
  attempts = 1,
): Promise<QueueMessage[]> {
  const { retried, sent } = await consumeOnce(target, messages, attempts)
  return [...retried, ...sent.map(({ body }) => body)]
}

interface Received {
  url: string
  headers: Record<string, string>
  body: string
}
/** Stubs outbound fetch: `status(request, n)` answers the n-th request to each URL. */
function receivers(status: (r: Received, n: number) => number) {
  const received: Received[] = []
  const ok: Received[] = []
  const counts = new Map<string, number>()
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input, init)
    const r = {
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    }
    const n = (counts.get(r.url) ?? 0) + 1
    counts.set(r.url, n)
    received.push(r)
    const code = status(r, n)
    if (code < 300) ok.push(r)
    return new Response(null, { status: code })
  })
  return { received, ok }
}
afterEach(() => {
  vi.restoreAllMocks()
})

describe('webhooks', () => {
  it('delivers each change signed per Standard Webhooks, verified by the standardwebhooks package', async () => {
    const { ok } = receivers(() => 204)
    const profile = uniqueId('p')
    const messages = [
      change(profile, 'coupon_claimer', true, Date.now()),
      change(profile, 'spend_tier_30d', 'mid', Date.now()),
    ]
    expect(await consume(withDestinations([webhook]), messages)).toEqual([])
    expect(ok).toHaveLength(2)
    const verifier = new Webhook(SECRET)
    const payloads = ok.map(
      (r) => verifier.verify(r.body, r.headers) as { type: string; data: Record<string, unknown> },
    )
    expect(payloads.map((p) => [p.type, p.data.tag, p.data.to])).toEqual([
      ['tag.changed', 'coupon_claimer', true],
      ['tag.changed', 'spend_tier_30d', 'mid'],
    ])
    expect(ok.map((r) => r.headers['webhook-id'])).toEqual(
      messages.map((m) => m.type === 'tag.changed' && m.change.id),
    )
    // A tampered body fails verification: the check above can fail.
    expect(() => verifier.verify(ok[0]!.body.replace('true', 'false'), ok[0]!.headers)).toThrow()
  })

  it('a receiver failing twice then succeeding gets each change once per success, in order per profile', async () => {
    const { ok } = receivers((r, n) => (r.url === HOOK && n <= 2 ? 503 : 200))
    const p = uniqueId('p')
    const q = uniqueId('q')
    const t = Date.now()
    const all = [
      change(p, 'a', 1, t),
      change(p, 'b', 2, t + 1),
      change(q, 'c', 3, t),
      change(p, 'd', 4, t + 2),
    ]
    const target = withDestinations([webhook, segment])
    let pending: QueueMessage[] = all
    for (let attempt = 1; pending.length && attempt <= 6; attempt++)
      pending = await consume(target, pending, attempt)
    expect(pending).toEqual([])
    const hooks = ok
      .filter((r) => r.url === HOOK)
      .map((r) => JSON.parse(r.body).data as { profile: string; tag: string })
    expect(hooks.map((d) => d.tag).sort()).toEqual(['a', 'b', 'c', 'd'])
    expect(hooks.filter((d) => d.profile === p).map((d) => d.tag)).toEqual(['a', 'b', 'd'])
    // The Segment-compatible destination took the first batch and never got it again.
    const cdp = ok.filter((r) => r.url === `${CDP}/v1/batch`)
    expect(cdp).toHaveLength(1)
  })

  it("receives a commit's changes sent in one queue message as it receives them one by one, retries included", async () => {
    const t = Date.now()
    const commitOf = (profile: string): ExportedChange[] =>
      (['a', 'b', 'c'] as const).map((tag, n) => ({
        id: `${profile}-${tag}`,
        profile,
        tag,
        from: null,
        to: [1, 'x', true][n]!,
        at: t,
        rulesVersion: '1',
      }))
    const target = withDestinations([webhook, segment])
    /**
     * Delivers `messages` until none is retried, the webhook refusing its second request; what
     * the receivers took, without what differs from run to run (send times, the profile's name).
     */
    const deliver = async (profile: string, messages: QueueMessage[]) => {
      vi.restoreAllMocks()
      const { ok } = receivers((r, n) => (r.url === HOOK && n === 2 ? 503 : 200))
      let pending = messages
      for (let attempt = 1; pending.length && attempt <= 6; attempt++)
        pending = await consume(target, pending, attempt)
      expect(pending).toEqual([])
      return ok.map((r) => {
        const body = JSON.parse(r.body.replaceAll(profile, 'P')) as {
          data?: unknown
          batch?: { traits: unknown; userId?: string; anonymousId?: string }[]
        }
        return {
          url: r.url,
          id: r.headers['webhook-id']?.replaceAll(profile, 'P'),
          data:
            body.data ??
            body.batch?.map(({ traits, userId, anonymousId }) => ({
              traits,
              userId,
              anonymousId,
            })),
        }
      })
    }
    const [single, packed] = [uniqueId('single'), uniqueId('packed')]
    const separately = await deliver(
      single,
      commitOf(single).map((change) => ({ type: 'tag.changed', change })),
    )
    const together = await deliver(packed, [{ type: 'tag.changes', changes: commitOf(packed) }])
    expect(together).toEqual(separately)
    // Each change reached the webhook once (its refused request was sent again).
    expect(separately.filter((r) => r.url === HOOK).map((r) => r.id)).toEqual(['P-a', 'P-b', 'P-c'])
    const index = async (profile: string) =>
      (
        await env.DB.prepare('SELECT tag, value FROM tag_index WHERE profile = ? ORDER BY tag')
          .bind(profile)
          .all()
      ).results
    expect(await index(packed)).toEqual(await index(single))
    expect(await index(packed)).toHaveLength(3)
  })

  it('a receiver that never answers times out: its change is retried, the others are delivered once', async () => {
    // Without a timeout the consumer waited on it until the platform ended the invocation, and
    // every destination's deliveries of the batch (logged at the end) were sent again.
    const STALL = 'https://stalls.test/hook'
    const ok: string[] = []
    let stalled = 0
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init)
      if (request.url === STALL) {
        stalled++
        // Answers only by failing when the collector gives up (its signal aborts).
        return new Promise<Response>((_, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)),
        )
      }
      ok.push(request.url)
      return new Response(null, { status: 204 })
    })
    const stalling = {
      type: 'webhook',
      id: 'stalls',
      url: STALL,
      secret: 'env:HOOK_SECRET',
      timeoutSeconds: 1,
    }
    const message = change(uniqueId('p'), 'a', true, Date.now())
    const target = withDestinations([webhook, stalling])
    expect(await consume(target, [message])).toEqual([message])
    expect({ stalled, ok }).toEqual({ stalled: 1, ok: [HOOK] })
    // The retry goes to the receiver that timed out only.
    expect(await consume(target, [message], 2)).toEqual([message])
    expect({ stalled, ok }).toEqual({ stalled: 2, ok: [HOOK] })
  }, 20_000)

  it('a receiver that redirects is not followed: the change is retried, never lost to a GET', async () => {
    // http:// that the receiver moves to https:// (or a trailing slash): fetch follows a 301, 302
    // or 303 as a GET without the body, and the 200 of that GET counted as delivered, though the
    // change never arrived (Hookdeck's Outpost fixed the same in 1.8.0).
    const OLD = 'http://hooks.test/tagwise'
    const posted: string[] = []
    const logged = vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init)
      if (request.url === OLD) {
        const moved = new Response(null, { status: 301, headers: { location: HOOK } })
        if (request.redirect === 'manual') return moved
        // What fetch does when it follows: the same URL again as a GET, without the body.
        return new Response('<html>the hook</html>', { status: 200 })
      }
      posted.push(`${request.method} ${request.url}`)
      return new Response(null, { status: 204 })
    })
    const moved = { type: 'webhook', url: OLD, secret: 'env:HOOK_SECRET' }
    const message = change(uniqueId('p'), 'a', true, Date.now())
    expect(await consume(withDestinations([moved]), [message])).toEqual([message])
    expect(posted).toEqual([])
    expect(logged.mock.calls.flat().join(' ')).toContain(`${OLD} answered 301 (to ${HOOK})`)
    // A Segment-compatible endpoint alike.
    const movedApi = { ...segment, endpoint: 'http://hooks.test', id: 'moved-api' }
    const batchUrl = 'http://hooks.test/v1/batch'
    vi.mocked(globalThis.fetch).mockImplementation(async (input, init) => {
      const request = new Request(input, init)
      if (request.url !== batchUrl) throw new Error(`unexpected ${request.url}`)
      if (request.redirect === 'manual')
        return new Response(null, { status: 308, headers: { location: `${CDP}/v1/batch` } })
      return new Response('{}', { status: 200 })
    })
    expect(await consume(withDestinations([movedApi]), [message])).toEqual([message])
    expect(logged.mock.calls.flat().join(' ')).toContain(`${batchUrl} answered 308`)
  })

  it('changes that waited behind a failed one are sent again without being charged a retry', async () => {
    // A profile's later changes wait behind a failed one (each receiver sees them in order). They
    // were retried with it, each wait counted as an attempt: with a receiver failing 1 request in
    // 3, changes that never failed reached max_retries and the dead-letter queue.
    const { ok } = receivers((r) =>
      r.url === HOOK && JSON.parse(r.body).data.tag === 'a' ? 503 : 200,
    )
    const p = uniqueId('p')
    const t = Date.now()
    const [a, b, c] = [change(p, 'a', 1, t), change(p, 'b', 2, t + 1), change(p, 'c', 3, t + 2)]
    const other = change(uniqueId('q'), 'x', true, t)
    const target = withDestinations([webhook, segment])
    // At the last attempt before the dead-letter queue.
    const { retried, sent } = await consumeOnce(target, [a, b, other, c], 5)
    expect(retried).toEqual([a])
    // Each carries how many times it was sent again (bounded: export-waits.test.ts).
    expect(sent.map(({ body }) => body)).toEqual([b, c].map((body) => ({ ...body, waits: 1 })))
    // Sent again after the failed change's own retry (32 s at its 5th attempt), to follow it.
    for (const { delaySeconds } of sent) expect(delaySeconds).toBeGreaterThan(retryDelaySeconds(5))
    expect(ok.filter((r) => r.url === HOOK).map((r) => JSON.parse(r.body).data.tag)).toEqual(['x'])
  })

  it('a receiver failing forever is retried with backoff until the queue dead-letters the messages', async () => {
    receivers(() => 500)
    const message = change(uniqueId('p'), 'a', true, Date.now())
    for (let attempt = 1; attempt <= 6; attempt++)
      expect(await consume(withDestinations([webhook]), [message], attempt)).toEqual([message])
    // wrangler.toml: max_retries = 5, dead_letter_queue = "tagwise-tag-changes-dlq".
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([2, 4, 8, 16, 32])
  })

  it('tells destinations of an erasure', async () => {
    const { ok } = receivers(() => 200)
    const profile = uniqueId('p')
    const deletion: ExportMessage = {
      type: 'profile.deleted',
      deletion: { id: uniqueId('d'), profile, at: Date.now() },
    }
    expect(await consume(withDestinations([webhook, segment]), [deletion])).toEqual([])
    expect(
      ok.map((r) => [r.url, JSON.parse(r.body).type, JSON.parse(r.body).data?.profile]),
    ).toEqual([[HOOK, 'profile.deleted', profile]])
  })

  it('tells destinations of a merge, and of none of the merged profile’s changes it covers', async () => {
    const { ok } = receivers(() => 200)
    const [anonymousId, user] = [uniqueId('a'), uniqueId('u')]
    const visitor = anonymousProfile(anonymousId)
    const t = Date.now() - 1000
    const notice = { id: uniqueId('m'), profile: visitor, into: user, at: t + 1 }
    // The visitor's last change, still queued when it merged, comes in the same batch.
    const messages: ExportMessage[] = [
      change(visitor, 'coupon_claimer', true, t),
      { type: 'profile.merged', merge: notice },
    ]
    expect(await consume(withDestinations([webhook, segment]), messages)).toEqual([])
    expect(ok.filter((r) => r.url === HOOK).map((r) => JSON.parse(r.body))).toEqual([
      {
        type: 'profile.merged',
        timestamp: expect.any(String),
        data: { profile: visitor, into: user, at: new Date(t + 1).toISOString() },
      },
    ])
    expect(ok.find((r) => r.url === HOOK)!.headers['webhook-id']).toBe(notice.id)
    const cdp = ok.filter((r) => r.url === `${CDP}/v1/batch`)
    expect(cdp.map((r) => JSON.parse(r.body).batch)).toEqual([
      [expect.objectContaining({ type: 'identify', userId: user, anonymousId })],
    ])
  })
})

describe('Segment-compatible destinations', () => {
  it("sends a tag's latest value even when an older change of it comes late (a retry)", async () => {
    // Retries reorder a profile's changes across batches: an older change delivered after a
    // newer one set the receiver's trait back to the older value, where it stayed until the tag
    // changed again (with 1 request in 3 failing, a trait ended on the 21st of 30 values).
    const { ok } = receivers(() => 200)
    const p = uniqueId('p')
    const t = Date.now() - 10_000
    const target = withDestinations([segment])
    const traitsSent = () =>
      ok.map((r) => (JSON.parse(r.body) as { batch: { traits: object }[] }).batch[0]!.traits)
    expect(await consume(target, [change(p, 'tier', 'high', t + 2)])).toEqual([])
    // The older change, retried, arrives now: the receiver is told the latest value again.
    expect(await consume(target, [change(p, 'tier', 'low', t + 1)], 2)).toEqual([])
    expect(traitsSent()).toEqual([{ tw_tier: 'high' }, { tw_tier: 'high' }])
    // A newer removal, then an older change: the trait stays removed.
    expect(await consume(target, [change(p, 'tier', null, t + 5)])).toEqual([])
    expect(await consume(target, [change(p, 'tier', 'mid', t + 3)], 2)).toEqual([])
    expect(traitsSent().slice(2)).toEqual([{ tw_tier: null }, { tw_tier: null }])
    // Within one batch too, the latest by time wins, not the last in the batch.
    const q = uniqueId('q')
    expect(
      await consume(target, [change(q, 'tier', 'high', t + 2), change(q, 'tier', 'low', t + 1)]),
    ).toEqual([])
    expect(traitsSent().slice(4)).toEqual([{ tw_tier: 'high' }])
  })

  it('sends one identify per profile with prefixed traits, which another tagwise collector stores', async () => {
    // The destination is this very collector (SELF): a second tagwise behind the Segment API.
    const bodies: Received[] = []
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init)
      bodies.push({
        url: request.url,
        headers: Object.fromEntries(request.headers),
        body: await request.clone().text(),
      })
      return SELF.fetch(request.url.replace(CDP, 'https://collector.test'), request)
    })
    const [user, visitor] = [uniqueId('u'), uniqueId('a')]
    const t = Date.now() - 1000
    const retried = await consume(withDestinations([segment]), [
      change(user, 'coupon_claimer', true, t),
      change(user, 'spend_tier_30d', 'mid', t + 1),
      change(user, 'spend_tier_30d', 'high', t + 2),
      change(anonymousProfile(visitor), 'coupon_claimer', true, t),
    ])
    expect(retried).toEqual([])
    const sent = JSON.parse(bodies[0]!.body) as {
      batch: { type: string; userId: string; traits: object; messageId: string }[]
    }
    // An anonymous visitor's profile goes out as its anonymousId, never as a userId.
    expect(sent.batch).toEqual([
      expect.objectContaining({
        type: 'identify',
        userId: user,
        traits: { tw_coupon_claimer: true, tw_spend_tier_30d: 'high' },
      }),
      expect.not.objectContaining({ userId: expect.anything() }),
    ])
    expect(sent.batch[1]).toMatchObject({
      anonymousId: visitor,
      traits: { tw_coupon_claimer: true },
    })
    expect(bodies[0]!.headers.authorization).toBe(`Basic ${btoa('demo-server-key:')}`)
    vi.restoreAllMocks()
    const profile = await json<{ traits: Record<string, unknown> }>(
      await admin(`/v1/profiles/${user}`),
    )
    expect(profile.traits).toMatchObject({ tw_coupon_claimer: true, tw_spend_tier_30d: 'high' })
  })

  // Segment's HTTP Tracking API takes at most 500 KB a batch request and 32 KB an event, else
  // `400` (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/); a
  // tagwise collector 500 KiB a body (`413`) and 32 KiB an event (rejected alone, in a `200`).
  const REQUEST_BYTES = 500_000
  const EVENT_BYTES = 32_000
  const byteLength = (text: string) => new TextEncoder().encode(text).byteLength

  /** Forwards Segment-compatible calls to this collector (SELF) and records their bodies. */
  function forwardToSelf() {
    const bodies: string[] = []
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init)
      bodies.push(await request.clone().text())
      return SELF.fetch(request.url.replace(CDP, 'https://collector.test'), request)
    })
    return bodies
  }

  /** A commit of `tags` changes of `profile`, each to a value of 900 characters. */
  const longCommit = (profile: string, tags: number, at: number): QueueMessage => ({
    type: 'tag.changes',
    changes: Array.from({ length: tags }, (_, i) => ({
      id: uniqueId('c'),
      profile,
      tag: `long_${i}`,
      from: null,
      to: `${profile}/${i}/`.padEnd(900, 'v'),
      at,
      rulesVersion: '1',
    })),
  })

  /** The traits the receiving collector stores for `user` (none when it stored no event). */
  const storedTraits = async (user: string) =>
    (await json<{ traits?: Record<string, unknown> }>(await admin(`/v1/profiles/${user}`)))
      .traits ?? {}

  it("splits a profile's changes past 32 KB into identifies within it: another tagwise stores every trait", async () => {
    const bodies = forwardToSelf()
    const user = uniqueId('u')
    // 40 values of 900 characters: one identify of ~37 KB, which the receiver rejected alone in
    // a 200, so the consumer acknowledged changes that were never stored.
    const commit = longCommit(user, 40, Date.now() - 1000)
    expect(await consume(withDestinations([segment]), [commit])).toEqual([])
    for (const body of bodies)
      for (const event of (JSON.parse(body) as { batch: unknown[] }).batch)
        expect(byteLength(JSON.stringify(event))).toBeLessThanOrEqual(EVENT_BYTES)
    vi.restoreAllMocks()
    const traits = await storedTraits(user)
    expect(Object.keys(traits).filter((key) => key.startsWith('tw_long_'))).toHaveLength(40)
  })

  it('sends a queue batch past 500 KB of identifies in several requests within the limits, every trait stored', async () => {
    const bodies = forwardToSelf()
    const users = Array.from({ length: 30 }, () => uniqueId('u'))
    // 30 profiles × 30 values of 900 characters: ~830 KB in one request, which the receiver
    // refused whole (413), so every message was retried until dead-lettered.
    const t = Date.now() - 1000
    const commits = users.map((user) => longCommit(user, 30, t))
    expect(await consume(withDestinations([segment]), commits)).toEqual([])
    expect(bodies.length).toBeGreaterThan(1)
    for (const body of bodies) expect(byteLength(body)).toBeLessThanOrEqual(REQUEST_BYTES)
    vi.restoreAllMocks()
    for (const user of users) {
      const traits = await storedTraits(user)
      expect(traits[`tw_long_29`]).toBe(`${user}/29/`.padEnd(900, 'v'))
      expect(Object.keys(traits).filter((key) => key.startsWith('tw_long_'))).toHaveLength(30)
    }
  })
  it('links a merged visitor to its user with an identify, a merged user with an alias: another tagwise merges them', async () => {
    const bodies = forwardToSelf()
    const [anonymousId, earlier, user] = [uniqueId('a'), uniqueId('u'), uniqueId('u')]
    const t = Date.now() - 1000
    // The receiver first hears of the three as this collector did, then of the merges.
    const tagged = [
      change(anonymousProfile(anonymousId), 'coupon_claimer', true, t),
      change(earlier, 'spend_tier_30d', 'mid', t),
      change(user, 'cart_open', true, t),
    ]
    expect(await consume(withDestinations([segment]), tagged)).toEqual([])
    const merges: ExportMessage[] = [
      {
        type: 'profile.merged',
        merge: { id: uniqueId('m'), profile: anonymousProfile(anonymousId), into: user, at: t + 1 },
      },
      {
        type: 'profile.merged',
        merge: { id: uniqueId('m'), profile: earlier, into: user, at: t + 2 },
      },
    ]
    expect(await consume(withDestinations([segment]), merges)).toEqual([])
    expect(JSON.parse(bodies.at(-1)!).batch).toEqual([
      expect.objectContaining({ type: 'identify', userId: user, anonymousId }),
      expect.objectContaining({ type: 'alias', previousId: earlier, userId: user }),
    ])
    vi.restoreAllMocks()
    const view = await json<{ aliases: string[]; traits: Record<string, unknown> }>(
      await admin(`/v1/profiles/${user}`),
    )
    // (An alias's previousId names the anonymous id of that string too: rules' previousProfiles.)
    expect(view.aliases).toEqual(expect.arrayContaining([anonymousProfile(anonymousId), earlier]))
    expect(view.traits).toMatchObject({
      tw_coupon_claimer: true,
      tw_spend_tier_30d: 'mid',
      tw_cart_open: true,
    })
  })
})

describe('DESTINATIONS', () => {
  it('names the field that is wrong', () => {
    expect(readDestinations(undefined, {})).toEqual([])
    expect(() => readDestinations('{', {})).toThrow('DESTINATIONS must be a JSON array')
    expect(() => readDestinations('[{"type":"email"}]', {})).toThrow(
      'DESTINATIONS[0].type must be "webhook" or "segment"',
    )
    expect(() => readDestinations(JSON.stringify([webhook]), {})).toThrow(
      'DESTINATIONS[0].secret refers to HOOK_SECRET, which is not set',
    )
    expect(() => readDestinations(JSON.stringify([{ ...webhook, secret: 'plain' }]), {})).toThrow(
      '"whsec_"',
    )
    expect(() =>
      readDestinations(JSON.stringify([{ ...segment, endpoint: 'ftp://x' }]), {}),
    ).toThrow('DESTINATIONS[0].endpoint must be an http(s) URL')
    expect(readDestinations(JSON.stringify([webhook, segment]), { HOOK_SECRET: SECRET })).toEqual([
      { type: 'webhook', id: HOOK, url: HOOK, secret: SECRET, timeoutMs: 15_000 },
      {
        type: 'segment',
        id: CDP,
        endpoint: CDP,
        writeKey: 'demo-server-key',
        traitPrefix: 'tw_',
        timeoutMs: 15_000,
      },
    ])
    expect(
      readDestinations(JSON.stringify([{ ...segment, timeoutSeconds: 60 }]), {})[0]!.timeoutMs,
    ).toBe(60_000)
    for (const timeoutSeconds of [0, 61, '15', 1e308])
      expect(() => readDestinations(JSON.stringify([{ ...segment, timeoutSeconds }]), {})).toThrow(
        'DESTINATIONS[0].timeoutSeconds must be a number of seconds from 1 to 60',
      )
  })
})
