import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { Outbox } from '../../collector/export/outbox.ts'
import type { ExportMessage } from '../../collector/index.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { json, post, track, uniqueId } from './helpers.ts'

// Found by the fault suite (faults.test.ts): a drain that found the outbox empty finished before
// it was recorded as the drain under way, so it stayed recorded, settled, for the object's life;
// every later drain returned it and sent nothing. A profile whose commit changed no tag (a
// duplicate batch, an event that moves no tag) stopped exporting until its object was evicted.

const change = (profile: string): ExportMessage => ({
  type: 'tag.changed',
  change: {
    id: uniqueId('c'),
    profile,
    tag: 'coupon_claimer',
    from: null,
    to: true,
    at: Date.now(),
    rulesVersion: '1',
  },
})

describe('the outbox drain', () => {
  it('sends what was added after a drain that found the outbox empty', async () => {
    const anon = uniqueId('a')
    // A profile, so its object has the outbox table.
    expect(
      (await json(await post('/v1/batch', { batch: [track(anon, 'Page Viewed', Date.now())] })))
        .accepted,
    ).toBe(1)
    const sent: ExportMessage[] = []
    // Records what is sent, and sends it on (the consumer indexes it like any change).
    const real = env.TAG_CHANGES
    const queue: Queue<ExportMessage> = {
      send: (body, options) => {
        sent.push(body)
        return real.send(body, options)
      },
      sendBatch: (messages, options) => {
        sent.push(...[...messages].map((m) => m.body))
        return real.sendBatch(messages, options)
      },
      metrics: () => real.metrics(),
    }
    await runInDurableObject(env.PROFILES.getByName(anonymousProfile(anon)), async (_, state) => {
      const outbox = new Outbox(state.storage.sql)
      await outbox.drain(queue, state.storage)
      expect(outbox.pending(10)).toEqual([])
      const message = change(anonymousProfile(anon))
      outbox.add([message])
      await outbox.drain(queue, state.storage)
      expect(sent).toEqual([message])
      expect(outbox.pending(10)).toEqual([])
    })
  })
})
