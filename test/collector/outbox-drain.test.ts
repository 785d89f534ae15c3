import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { Outbox } from '../../collector/export/outbox.ts'
import { ProfileAlarm } from '../../collector/profile/profile-alarm.ts'
import type { ExportMessage, QueueMessage } from '../../collector/index.ts'
import { exportMessagesOf } from '../../collector/export/message.ts'
import {
  QUEUE_MESSAGE_BYTES,
  QUEUE_SEND_BYTES,
  queueBytes,
} from '../../collector/export/queue-limits.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { json, post, track, uniqueId } from './helpers.ts'

// Found by the fault suite (faults.test.ts): a drain that found the outbox empty finished before
// it was recorded as the drain under way, so it stayed recorded, settled, for the object's life;
// every later drain returned it and sent nothing. A profile whose commit changed no tag (a
// duplicate batch, an event that moves no tag) stopped exporting until its object was evicted.

const change = (profile: string, tag = 'coupon_claimer'): ExportMessage => ({
  type: 'tag.changed',
  change: {
    id: uniqueId('c'),
    profile,
    tag,
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
      await outbox.drain(queue, new ProfileAlarm(state.storage))
      expect(outbox.pending(10)).toEqual([])
      const message = change(anonymousProfile(anon))
      outbox.add([message])
      await outbox.drain(queue, new ProfileAlarm(state.storage))
      expect(sent).toEqual([message])
      expect(outbox.pending(10)).toEqual([])
    })
  })
})

/**
 * A queue that records each send (its queue messages), and refuses every send once `accepting`
 * sends have passed.
 */
function recordingQueue(accepting = Infinity) {
  const sends: QueueMessage[][] = []
  const queue: Queue<QueueMessage> = {
    send: (body) => queue.sendBatch([{ body }]),
    sendBatch: (messages) => {
      if (sends.length >= accepting) return Promise.reject(new Error('the queue is down'))
      sends.push([...messages].map((m) => m.body))
      return Promise.resolve({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } })
    },
    metrics: () => Promise.reject(new Error('no metrics here')),
  }
  return { queue, sends }
}

/** Runs `body` with a fresh profile's storage (its tables created by a first batch). */
async function inProfile<T>(body: (state: DurableObjectState) => Promise<T>): Promise<T> {
  const anon = uniqueId('a')
  await post('/v1/batch', { batch: [track(anon, 'Page Viewed', Date.now())] })
  return runInDurableObject(env.PROFILES.getByName(anonymousProfile(anon)), async (_, state) => {
    // Waits for the first batch's own drain, so the outbox holds only what the test adds.
    await new Outbox(state.storage.sql).drain(
      recordingQueue().queue,
      new ProfileAlarm(state.storage),
    )
    state.storage.sql.exec('DELETE FROM outbox')
    return body(state)
  })
}

const tagOf = (message: ExportMessage) =>
  message.type === 'tag.changed' ? message.change.tag : message.type

const rowCount = (state: DurableObjectState) =>
  state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM outbox').one().n

describe('the outbox rows', () => {
  it("stores a commit's messages as one row", async () => {
    const rows = await inProfile(async (state) => {
      new Outbox(state.storage.sql).add([change('p'), change('p', 'lifecycle_stage'), change('p')])
      return rowCount(state)
    })
    expect(rows).toBe(1)
  })

  it('drains rows of one message (written before) and of a commit, in order, each once', async () => {
    const { sends, left } = await inProfile(async (state) => {
      const sql = state.storage.sql
      const outbox = new Outbox(sql)
      const old = (message: ExportMessage) =>
        sql.exec('INSERT INTO outbox (body) VALUES (?)', JSON.stringify(message))
      const messages = Array.from({ length: 6 }, (_, n) => change('p', `tag${n}`))
      old(messages[0]!)
      outbox.add(messages.slice(1, 4))
      old(messages[4]!)
      outbox.add(messages.slice(5))
      const { queue, sends } = recordingQueue()
      await outbox.drain(queue, new ProfileAlarm(state.storage))
      return { sends, left: rowCount(state) }
    })
    expect(left).toBe(0)
    expect(sends).toHaveLength(1)
    // The commit's three changes travel as one queue message, the others as they are.
    expect(sends[0]!.map((body) => body.type)).toEqual([
      'tag.changed',
      'tag.changes',
      'tag.changed',
      'tag.changed',
    ])
    expect(sends[0]!.flatMap(exportMessagesOf).map(tagOf)).toEqual(
      Array.from({ length: 6 }, (_, n) => `tag${n}`),
    )
  })

  it('sends a commit of 40 large changes in queue messages and sends within the limits, keeping the rest when the queue refuses', async () => {
    const outcome = await inProfile(async (state) => {
      const outbox = new Outbox(state.storage.sql)
      // 10 KB values: an outbox row (500,000 characters) holds them all, a queue message (128 KB)
      // a dozen, a send (256 KB) two queue messages.
      const messages = Array.from({ length: 40 }, (_, n) => {
        const message = change('p', `tag${n}`)
        return message.type === 'tag.changed'
          ? { ...message, change: { ...message.change, to: 'v'.repeat(10_000) } }
          : message
      })
      outbox.add(messages)
      // The second send is refused: what the first carried is gone, the rest stays in the row.
      await state.storage.deleteAlarm()
      const refusing = recordingQueue(1)
      await outbox.drain(refusing.queue, new ProfileAlarm(state.storage))
      const afterRefusal = { rows: rowCount(state), pending: outbox.pending(1000) }
      const alarm = await state.storage.getAlarm()
      const accepting = recordingQueue()
      await outbox.drain(accepting.queue, new ProfileAlarm(state.storage))
      return {
        messages,
        first: refusing.sends,
        afterRefusal,
        alarm,
        then: accepting.sends,
        left: rowCount(state),
      }
    })
    const ids = (messages: ExportMessage[]) =>
      messages.map((m) => (m.type === 'tag.changed' ? m.change.id : m.type))
    const changesIn = (sends: QueueMessage[][]) => sends.flat().flatMap(exportMessagesOf)
    expect(outcome.first).toHaveLength(1)
    const firstSent = changesIn(outcome.first).length
    expect(firstSent).toBeGreaterThan(1)
    expect(outcome.afterRefusal.rows).toBe(1)
    expect(ids(outcome.afterRefusal.pending.flatMap((row) => row.messages))).toEqual(
      ids(outcome.messages.slice(firstSent)),
    )
    // The refusal set the retry alarm.
    expect(outcome.alarm).not.toBeNull()
    // Several queue messages per send, each within the limits.
    expect(outcome.first[0]!.length).toBeGreaterThan(1)
    for (const send of [...outcome.first, ...outcome.then]) {
      const bytes = send.map(queueBytes)
      expect(Math.max(...bytes)).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES)
      expect(bytes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(QUEUE_SEND_BYTES)
    }
    expect(ids(changesIn([...outcome.first, ...outcome.then]))).toEqual(ids(outcome.messages))
    expect(outcome.left).toBe(0)
  })

  it('sends commits added during a send after it, in order, each once, though ids repeat', async () => {
    // Without AUTOINCREMENT an emptied outbox numbers its rows from 1 again (schema.ts).
    const outcome = await inProfile(async (state) => {
      const outbox = new Outbox(state.storage.sql)
      const messages = Array.from({ length: 4 }, (_, n) => change('p', `tag${n}`))
      const sends: QueueMessage[][] = []
      let sending = 0
      const queue: Queue<QueueMessage> = {
        send: (body) => queue.sendBatch([{ body }]),
        sendBatch: (batch) => {
          sends.push([...batch].map((m) => m.body))
          // A commit lands while the first send is under way.
          if (sending++ === 0) outbox.add([messages[1]!])
          return Promise.resolve({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } })
        },
        metrics: () => Promise.reject(new Error('no metrics here')),
      }
      const alarm = new ProfileAlarm(state.storage)
      outbox.add([messages[0]!])
      await outbox.drain(queue, alarm)
      const seqAfterEmptied = () =>
        state.storage.sql.exec<{ seq: number }>('SELECT seq FROM outbox').one().seq
      outbox.add([messages[2]!])
      const reused = seqAfterEmptied()
      outbox.add([messages[3]!])
      await outbox.drain(queue, alarm)
      return { sends, reused, left: rowCount(state) }
    })
    const tags = (send: QueueMessage[]) => send.flatMap(exportMessagesOf).map(tagOf)
    expect(outcome.sends.map(tags)).toEqual([['tag0'], ['tag1'], ['tag2', 'tag3']])
    expect(outcome.reused).toBe(1)
    expect(outcome.left).toBe(0)
  })
})
