import fc from 'fast-check'
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { EventStore } from '../../collector/profile/event-store.ts'
import { EVENT_RETENTION_MS, MAX_STORED_EVENTS } from '../../collector/limits.ts'
import { uniqueId } from './helpers.ts'
import { createScratchTables, SCHEMA_FORMS, type SchemaForm } from './rowid-schema.ts'
import { storedIdsIn } from './stored-events.ts'

const NOW = Date.UTC(2025, 5, 1)
const DAY = 86_400_000

interface Row {
  ts: number
  receivedAt: number
}

/**
 * `retainedByTime(now)` (what a rules preview replays) against `prune(now)` then `byTime()` (what
 * a rebuild replays), on a scratch profile object's events table. Answers both, and whether the
 * first left the table as it was.
 */
function compare(rows: readonly Row[], form: SchemaForm) {
  return runInDurableObject(env.PROFILES.getByName(uniqueId('scratch')), (_, state) => {
    const sql = state.storage.sql
    createScratchTables(sql, form)
    const store = new EventStore(sql)
    store.add(
      rows.map((row, n) => ({
        messageId: `m${n}`,
        ts: row.ts,
        receivedAt: row.receivedAt,
        event: { n },
      })),
    )
    const retained = [...store.retainedByTime(NOW)]
    const untouched = store.count() === rows.length
    store.prune(NOW)
    return { retained, rebuilt: [...store.byTime()], untouched }
  })
}

describe.each(SCHEMA_FORMS)('EventStore.retainedByTime, tables %s', (form) => {
  it('replays what prune then byTime would, deleting nothing', async () => {
    const row = fc.record({
      ts: fc.integer({ min: NOW - 120 * DAY, max: NOW + DAY }),
      receivedAt: fc.integer({ min: NOW - EVENT_RETENTION_MS - 30 * DAY, max: NOW }),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 30 }), async (rows) => {
        const { retained, rebuilt, untouched } = await compare(rows, form)
        expect(retained).toEqual(rebuilt)
        expect(untouched).toBe(true)
      }),
      { numRuns: 30 },
    )
  })

  it('keeps the newest MAX_STORED_EVENTS by receive time, as prune does', async () => {
    const rows = Array.from({ length: MAX_STORED_EVENTS + 25 }, (_, n) => ({
      ts: NOW - ((n * 7919) % 1000) * 60_000,
      receivedAt: NOW - (n % 50) * 1000,
    }))
    const { retained, rebuilt, untouched } = await compare(rows, form)
    expect(rebuilt).toHaveLength(MAX_STORED_EVENTS)
    expect(retained).toEqual(rebuilt)
    expect(untouched).toBe(true)
  })
})

describe.each(SCHEMA_FORMS)('EventStore.pruneAfterBatch, tables %s', (form) => {
  it('expires at most hourly while the object lives, and bounds the count on every batch', async () => {
    const HOUR = 3_600_000
    const outcome = await runInDurableObject(
      env.PROFILES.getByName(uniqueId('scratch')),
      (_, state) => {
        const sql = state.storage.sql
        createScratchTables(sql, form)
        let store = new EventStore(sql)
        const ids = () => storedIdsIn(sql)
        const add = (messageId: string, receivedAt: number) =>
          store.add([{ messageId, ts: receivedAt, receivedAt, event: {} }])
        add('kept', NOW)
        const first = store.pruneAfterBatch(NOW)
        // Past retention by the next batch, 59 minutes later: kept until an hour has passed.
        add('expired', NOW - EVENT_RETENTION_MS - DAY)
        const within = store.pruneAfterBatch(NOW + 59 * 60_000)
        const afterWithin = ids()
        const hourLater = store.pruneAfterBatch(NOW + HOUR)
        const afterHour = ids()
        // A store that starts again (an evicted object) expires on its first batch.
        add('expired again', NOW - EVENT_RETENTION_MS - DAY)
        store = new EventStore(sql)
        const restarted = store.pruneAfterBatch(NOW + HOUR + 1)
        const afterRestart = ids()
        // The count bound holds on every batch, however recent the last expiry.
        store.add(
          Array.from({ length: MAX_STORED_EVENTS }, (_, n) => ({
            messageId: `m${n}`,
            ts: NOW + HOUR + 2,
            receivedAt: NOW + HOUR + 2,
            event: {},
          })),
        )
        const bounded = store.pruneAfterBatch(NOW + HOUR + 3)
        const afterBound = ids()
        return {
          first,
          within,
          afterWithin,
          hourLater,
          afterHour,
          restarted,
          afterRestart,
          bounded,
          boundCount: afterBound.length,
          boundOldest: afterBound[0],
          again: store.pruneAfterBatch(NOW + HOUR + 4),
        }
      },
    )
    expect(outcome).toEqual({
      first: false,
      within: false,
      afterWithin: ['kept', 'expired'],
      hourLater: true,
      afterHour: ['kept'],
      restarted: true,
      afterRestart: ['kept'],
      bounded: true,
      boundCount: MAX_STORED_EVENTS,
      boundOldest: 'm0',
      again: false,
    })
  })
})
