// Changes that wait behind a failed one of their profile (collector/export/consumer.ts,
// `sendAgain`) against a simulated queue: every change must still reach the dead-letter queue
// after a bounded number of deliveries when a destination refuses its profile for good (spec:
// collector.md, "Export": after the retry limit the message goes to a dead-letter queue).
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, expect, it, vi } from 'vitest'
import { MAX_WAITS, retryDelaySeconds } from '../../collector/export/consumer.ts'
import worker from '../../collector/index.ts'
import type { QueueMessage } from '../../collector/index.ts'
import { uniqueId } from './helpers.ts'

/** wrangler.toml's `max_retries`: a message retried after its 6th attempt is dead-lettered. */
const MAX_RETRIES = 5
/** Cloudflare's `max_batch_size` in wrangler.toml. */
const MAX_BATCH = 100
const HOOK = 'https://hooks.test/tagwise'

/** A message in the simulated queue. */
interface Queued {
  body: QueueMessage
  /** The queue's delivery count, as `Message.attempts` gives it (1 on the first delivery). */
  attempts: number
  /** The simulated second from which it is delivered. */
  visibleAt: number
  /** Send order, which breaks ties of `visibleAt`. */
  order: number
}

/** The change id a simulated message carries (one change per message here). */
const changeId = (body: QueueMessage) =>
  body.type === 'tag.changed' ? body.change.id : `${body.type} without one change`

afterEach(() => {
  vi.restoreAllMocks()
})

it('a profile a destination refuses for good: each change is dead-lettered within its retries and waits', async () => {
  // The webhook answers 400 to every request (the receiver refuses this profile). The profile
  // changes a tag every second for a minute. Changes behind a failed one were sent again as new
  // messages, their attempts back at 1, however often: one that waited after failing lost its
  // count too, so the changes went round the queue (a change delivered 224 times, the last
  // dead-lettered after 34 simulated minutes for 120 changes; with 600, 582 were still going round
  // 90 minutes after the last change).
  vi.spyOn(globalThis, 'fetch').mockImplementation(async () => new Response(null, { status: 400 }))
  const destinations = [{ type: 'webhook', url: HOOK, secret: 'env:HOOK_SECRET' }]
  const sentAgain: { body: QueueMessage; delaySeconds?: number }[] = []
  const target = {
    ...env,
    DESTINATIONS: JSON.stringify(destinations),
    HOOK_SECRET: `whsec_${btoa('a test secret of thirty-two byte')}`,
    TAG_CHANGES: {
      send: async () => {
        throw new Error('the consumer sends again with sendBatch')
      },
      sendBatch: async (messages: typeof sentAgain) => {
        sentAgain.push(...messages)
      },
    },
  } as unknown as typeof env
  const profile = uniqueId('p')
  const CHANGES = 60
  let queue: Queued[] = []
  let order = 0
  const deliveries = new Map<string, number>()
  const deadLettered = new Set<string>()
  let second = 0
  for (; second < CHANGES || (queue.length && second < 7200); second++) {
    if (second < CHANGES) {
      const id = uniqueId('c')
      const change = { id, profile, tag: 'tier', from: second - 1, to: second, rulesVersion: '1' }
      queue.push({
        body: { type: 'tag.changed', change: { ...change, at: second * 1000 } },
        attempts: 1,
        visibleAt: second,
        order: order++,
      })
    }
    const batch = queue
      .filter((queued) => queued.visibleAt <= second)
      .sort((a, b) => a.visibleAt - b.visibleAt || a.order - b.order)
      .slice(0, MAX_BATCH)
    if (!batch.length) continue
    queue = queue.filter((queued) => !batch.includes(queued))
    for (const { body } of batch)
      deliveries.set(changeId(body), (deliveries.get(changeId(body)) ?? 0) + 1)
    sentAgain.length = 0
    const messages = createMessageBatch<QueueMessage>(
      'tagwise-tag-changes',
      batch.map(({ body, attempts }, i) => ({
        id: `m${i}`,
        timestamp: new Date(),
        attempts,
        body,
      })),
    )
    const ctx = createExecutionContext()
    await worker.queue(messages, target, ctx)
    const result = await getQueueResult(messages, ctx)
    for (const { msgId } of result.retryMessages) {
      const retried = batch[Number(msgId.slice(1))]!
      if (retried.attempts > MAX_RETRIES) deadLettered.add(changeId(retried.body))
      else
        queue.push({
          ...retried,
          attempts: retried.attempts + 1,
          visibleAt: second + retryDelaySeconds(retried.attempts),
          order: order++,
        })
    }
    for (const { body, delaySeconds } of sentAgain)
      queue.push({ body, attempts: 1, visibleAt: second + (delaySeconds ?? 0), order: order++ })
  }
  expect(queue).toEqual([])
  expect(deadLettered.size).toBe(CHANGES)
  // Each change: at most MAX_WAITS sends again, each followed by the queue's attempts at most.
  expect(Math.max(...deliveries.values())).toBeLessThanOrEqual((MAX_WAITS + 1) * (MAX_RETRIES + 1))
}, 120_000)
