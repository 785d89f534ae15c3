import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runDurableObjectAlarm,
  runInDurableObject,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { EXPORTED_VALUE_BYTES, fitForQueue } from '../../collector/export/fit-for-queue.ts'
import { QUEUE_MESSAGE_BYTES, queueBytes } from '../../collector/export/queue-limits.ts'
import { queueSends } from '../../collector/export/queue-sends.ts'
import worker from '../../collector/index.ts'
import type { ExportedChange, ExportMessage } from '../../collector/index.ts'
import { postAsServer, track, uniqueId } from './helpers.ts'
import { spyOnQueue } from './queue-spy.ts'

let queue: ReturnType<typeof spyOnQueue> | undefined
afterEach(() => {
  queue?.restore()
  queue = undefined
})

type TagChanged = Extract<ExportMessage, { type: 'tag.changed' }>
const change = (
  profile: string,
  to: ExportedChange['to'],
  tag = 'top_category_30d',
): TagChanged => ({
  type: 'tag.changed',
  change: { id: uniqueId('c'), profile, tag, from: null, to, at: Date.now(), rulesVersion: '1' },
})

/** The change of a message that must be one. */
function changeOf(message: ExportMessage | null | undefined): ExportedChange {
  if (message?.type !== 'tag.changed')
    throw new Error(`not a tag change: ${JSON.stringify(message)}`)
  return message.change
}

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength

describe('queue sends', () => {
  it('split any messages, in order, into sends of at most 100 messages and 256,000 bytes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 128_000 })),
          {
            maxLength: 400,
          },
        ),
        (sizes) => {
          const sends = queueSends(sizes)
          expect(sends.flatMap(({ start, end }) => sizes.slice(start, end))).toEqual(sizes)
          sends.forEach(({ start, end }, i) => {
            const sum = sizes.slice(start, end).reduce((a, b) => a + b, 0)
            expect(end - start).toBeGreaterThan(0)
            expect(end - start).toBeLessThanOrEqual(100)
            expect(sum).toBeLessThanOrEqual(256_000)
            // Each send is as full as it can be: the next message would not have fit.
            if (i < sends.length - 1)
              expect(end - start === 100 || sum + sizes[end]! > 256_000).toBe(true)
          })
        },
      ),
    )
    expect(() => queueSends([10, 128_001])).toThrow(/message 1 counts 128001 bytes/)
  })

  it('cut a change too large for one message to values of at most 32,000 bytes, marked truncated', () => {
    const long = 'é'.repeat(40_000) + '😀'.repeat(40_000) // 80,000 + 160,000 bytes of UTF-8
    const huge = change('p', long)
    const fitted = fitForQueue({ ...huge, change: { ...huge.change, from: long } })
    expect(queueBytes(fitted)).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES)
    const { to, from, truncated } = changeOf(fitted)
    expect(truncated).toBe(true)
    expect(from).toBe(to)
    expect(typeof to === 'string' && long.startsWith(to)).toBe(true)
    expect(bytes(to)).toBeLessThanOrEqual(EXPORTED_VALUE_BYTES)
    expect(bytes(to)).toBeGreaterThan(EXPORTED_VALUE_BYTES - 10)
    // A list keeps its leading items; another value becomes its JSON text, cut.
    const list = Array.from({ length: 20_000 }, (_, i) => `item-${i}`)
    const cutList = changeOf(fitForQueue(change('p', list))).to
    expect(Array.isArray(cutList) && cutList.length > 1000).toBe(true)
    expect(cutList).toEqual(list.slice(0, Array.isArray(cutList) ? cutList.length : 0))
    const cutObject = changeOf(fitForQueue(change('p', { notes: 'x'.repeat(200_000) }))).to
    expect(typeof cutObject === 'string' && cutObject.startsWith('{"notes":"xxx')).toBe(true)
    // A message that fits is left alone.
    const small = change('p', 'flights')
    expect(fitForQueue(small)).toBe(small)
  })
})

/** Fills a fresh profile's outbox with `messages`, as commits would have, and drains it by alarm. */
async function drainOutbox(messages: (profile: string) => ExportMessage[]) {
  const profile = uniqueId('p')
  queue = spyOnQueue()
  await postAsServer('/v1/batch', {
    batch: [track(uniqueId('a'), 'Page Viewed', Date.now(), { userId: profile })],
  })
  const stub = env.PROFILES.getByName(profile)
  const outbox = () =>
    runInDurableObject(
      stub,
      (_, state) => state.storage.sql.exec('SELECT seq FROM outbox').toArray().length,
    )
  await expect.poll(outbox).toBe(0)
  const sentBefore = queue.sends.length
  const added = messages(profile)
  await runInDurableObject(stub, async (_, state) => {
    for (const message of added)
      state.storage.sql.exec('INSERT INTO outbox (body) VALUES (?)', JSON.stringify(message))
    // As a refused drain leaves it: the alarm comes back to send the outbox.
    await state.storage.setAlarm(Date.now() + 30_000)
  })
  expect(await runDurableObjectAlarm(stub)).toBe(true)
  return { profile, added, outbox: await outbox(), sends: queue.sends.slice(sentBefore) }
}

describe('the outbox', () => {
  it('drains large changes in sends sized by bytes within the Queue limits', async () => {
    const { added, outbox, sends } = await drainOutbox((profile) =>
      Array.from({ length: 30 }, (_, i) => change(profile, `${i}:${'x'.repeat(20_000)}`)),
    )
    expect(queue!.refused).toEqual([])
    expect(outbox).toBe(0)
    expect(sends.length).toBeGreaterThanOrEqual(3)
    expect(sends.flatMap((s) => s.bodies)).toEqual(added)
  })

  it('exports a change too large for one message with its values cut, and the changes after it', async () => {
    const { added, outbox, sends } = await drainOutbox((profile) => [
      change(profile, 'y'.repeat(300_000)),
      change(profile, 'flights', 'lifecycle_stage'),
    ])
    expect(queue!.refused).toEqual([])
    expect(outbox).toBe(0)
    const sent = sends.flatMap((s) => s.bodies)
    expect(sent).toHaveLength(2)
    expect(sent[0]).toMatchObject({
      change: { id: (added[0] as { change: { id: string } }).change.id, truncated: true },
    })
    expect(sent[1]).toEqual(added[1])
  })
})

describe('the consumer', () => {
  it('acknowledges the other profiles of a batch when one profile fails', async () => {
    const [good, other, bad] = [uniqueId('p'), uniqueId('p'), uniqueId('p')]
    const unreadable = change(bad, true, 'coupon_claimer')
    // A change D1 refuses (a version that is not text): it fails its own profile only.
    const refused = {
      type: 'tag.changed',
      change: { ...unreadable.change, id: uniqueId('c'), rulesVersion: { not: 'text' } },
    }
    const messages = [
      change(good, true, 'coupon_claimer'),
      refused,
      change(other, 'mid', 'spend_tier_30d'),
      { type: 'from.the.future' },
    ]
    const batch = createMessageBatch<unknown>(
      'tagwise-tag-changes',
      messages.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
    )
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    const result = await getQueueResult(batch, ctx)
    expect(result.retryMessages.map((r: { msgId: string }) => r.msgId).sort()).toEqual(['m1', 'm3'])
    expect(result.explicitAcks.sort()).toEqual(['m0', 'm2'])
    const indexed = await env.DB.prepare(
      `SELECT profile FROM tag_index WHERE profile IN (?, ?, ?) ORDER BY profile`,
    )
      .bind(good, other, bad)
      .all<{ profile: string }>()
    expect(indexed.results.map((r) => r.profile).sort()).toEqual([good, other].sort())
  })
})
