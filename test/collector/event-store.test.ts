import fc from 'fast-check'
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { EVENT_RETENTION_MS, EXTEND_WINDOW_MS } from '../../collector/limits.ts'
import {
  EXPIRY_INTERVAL_MS,
  EventStore,
  type EventStoreBounds,
  type NewEvent,
} from '../../collector/profile/event-store.ts'
import { PROFILE_SCHEMA } from '../../collector/profile/schema.ts'
import { ProfileStore } from '../../collector/profile/store.ts'
import { uniqueId } from './helpers.ts'
import { ROWID_SCHEMA, SEQ_EVENTS_SCHEMA } from './rowid-schema.ts'

// The event store (a row per stored batch, the stored ids in memory) against a reference model:
// a plain list of the stored events by messageId, in the order they were stored. Small bounds
// (events kept, events and characters per row) make the count bound and row splits frequent.

const NOW = Date.UTC(2025, 5, 1)
const DAY = 86_400_000
const BOUNDS: EventStoreBounds = { maxEvents: 12, rowEvents: 3, rowChars: 160 }
/** Rows that hold several batches, so that later batches extend the newest (`extendNewest`). */
const WIDE_BOUNDS: EventStoreBounds = { maxEvents: 12, rowEvents: 8, rowChars: 600 }

/** A stored event in the model, `serial` its place in the storage order. */
interface ModelEvent {
  messageId: string
  ts: number
  receivedAt: number
  event: { id: number; serial: number; pad: string }
  serial: number
}

/**
 * What a profile does to its events: batches (stored as `storeBatch` stores them: known ids
 * found first; or as it did before, stored then the uncounted removed), a merge's staged events
 * from the table `merging`, removes, clears, checkpoints (the mark of the last stored event, also
 * taken after a prune that deleted any), prunes, an object starting again, and a transaction that
 * rolls back after storing a batch.
 */
type Op =
  | { kind: 'batch'; ids: number[]; receivedAt: number; pad: number; uncounted: number }
  | { kind: 'add'; ids: number[]; receivedAt: number; pad: number }
  | { kind: 'staged'; ids: number[]; receivedAt: number }
  | { kind: 'remove'; ids: number[] }
  | { kind: 'clear' }
  | { kind: 'checkpoint' }
  | { kind: 'prune'; now: number; afterBatch: boolean }
  | { kind: 'restart' }
  | { kind: 'rollback'; ids: number[] }

// A small pool of ids: retries and repeats within a batch are frequent.
const ids = fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 6 })
// Half of the batches received at one time: a visit's batches, which share a row.
const receivedAt = fc.oneof(
  fc.constant(NOW),
  fc.integer({ min: NOW - EVENT_RETENTION_MS - 5 * DAY, max: NOW }),
)
const pad = fc.integer({ min: 0, max: 120 })

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      ids,
      receivedAt,
      pad,
      uncounted: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), ids, receivedAt, pad }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('staged' as const), ids, receivedAt }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), ids }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('prune' as const),
      now: fc.integer({ min: NOW - 5 * DAY, max: NOW + 5 * DAY }),
      afterBatch: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rollback' as const), ids }) },
)

/** Everything a caller can read of the store after each operation. */
interface Observed {
  stored: string[]
  pruned: boolean
  known: string[]
  count: number
  inOrder: unknown[]
  after: unknown[]
  byTime: unknown[]
  latest: unknown[]
  retained: unknown[]
}

/** Equal timestamps are frequent: the storage order breaks the tie. */
const tsOf = (id: number) => NOW - (id % 4) * DAY
const messageIdOf = (id: number) => (id === 7 ? 'mé' : `m${id}`)
const POOL = Array.from({ length: 31 }, (_, id) => messageIdOf(id))

/** Reads every page of the store, checking each page's bounds. */
function pages(store: EventStore, maxEvents: number, maxChars: number): unknown[] {
  const events: unknown[] = []
  for (let after: number | null = 0; after !== null;) {
    const page = store.page(after, maxEvents, maxChars)
    if (page.next !== null && !page.events.length) throw new Error('an empty page before the last')
    events.push(
      ...page.events.map((event) => [event.messageId, event.ts, event.receivedAt, event.event]),
    )
    after = page.next
  }
  return events
}

/** The batch rows as stored, in order: their messageIds, `chars` column and `events` text. */
const storedRows = (sql: SqlStorage) =>
  sql
    .exec<{ keys: string; chars: number; events: string }>(
      `SELECT keys, chars, events FROM event_batches ORDER BY seq`,
    )
    .toArray()
    .map((row) => ({
      ids: (JSON.parse(row.keys) as [string, number][]).map(([id]) => id),
      chars: row.chars,
      events: row.events,
    }))

/** The reference model: a list of stored events, and the same rules spelled out plainly. */
class Model {
  events: ModelEvent[] = []
  private serial = 0
  private expiredAt: number | undefined

  has = (messageId: string) => this.events.some((event) => event.messageId === messageId)

  /** Appends the events whose ids are not stored (the first of repeats); returns their ids. */
  insertNew(events: readonly NewEvent[]): string[] {
    const stored: string[] = []
    for (const event of events)
      if (!this.has(event.messageId)) {
        this.events.push({ ...(event as ModelEvent), serial: ++this.serial })
        stored.push(event.messageId)
      }
    return stored
  }

  remove(messageIds: readonly string[]): boolean {
    const before = this.events.length
    this.events = this.events.filter((event) => !messageIds.includes(event.messageId))
    return this.events.length < before
  }

  /** The mark of the last stored event (0: none). */
  lastStored = () => this.events.at(-1)?.serial ?? 0

  prune(now: number, afterBatch: boolean): boolean {
    const due =
      !afterBatch || this.expiredAt === undefined || now >= this.expiredAt + EXPIRY_INTERVAL_MS
    let pruned = false
    if (due) {
      this.expiredAt = now
      pruned = this.remove(
        this.events
          .filter((event) => event.receivedAt < now - EVENT_RETENTION_MS)
          .map((event) => event.messageId),
      )
    }
    const over = this.events.length - BOUNDS.maxEvents
    if (over > 0) {
      const oldest = [...this.events].sort(byReceipt).slice(0, over)
      pruned = this.remove(oldest.map((event) => event.messageId)) || pruned
    }
    return pruned
  }

  forget(): void {
    this.expiredAt = undefined
  }

  /** What `prune(now)` would keep, in timestamp order. */
  retained(now: number): ModelEvent[] {
    const newest = [...this.events].sort(byReceipt).slice(-BOUNDS.maxEvents)
    return newest.filter((event) => event.receivedAt >= now - EVENT_RETENTION_MS).sort(byTime)
  }
}

const byReceipt = (a: ModelEvent, b: ModelEvent) =>
  a.receivedAt - b.receivedAt || a.serial - b.serial
const byTime = (a: ModelEvent, b: ModelEvent) => a.ts - b.ts || a.serial - b.serial

/** Events in the order a merge stores staged ones: by timestamp, then messageId by code points. */
const byStagedOrder = (a: NewEvent, b: NewEvent) =>
  a.ts - b.ts || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0)

/** Runs `body` on a store in a fresh profile object's storage (the profile schema). */
function inScratchStore<T>(
  bounds: EventStoreBounds,
  body: (store: EventStore, storage: DurableObjectStorage) => T,
): Promise<T> {
  return runInDurableObject(env.PROFILES.getByName(uniqueId('scratch')), (_, state) => {
    const sql = state.storage.sql
    sql.exec(PROFILE_SCHEMA)
    return body(new EventStore(sql, bounds), state.storage)
  })
}

/** Runs `ops` on the store (`real`) or on the model; what each one showed. */
function run(ops: readonly Op[], real: boolean, bounds: EventStoreBounds): Promise<Observed[]> {
  return inScratchStore(bounds, (first, storage) => {
    const sql = storage.sql
    let store = first
    const model = new Model()
    let mark = 0
    // As `ProfileStore` does: a restore reads the checkpoint's mark, a checkpoint saves it. Rows
    // after it may take later batches' events (`extendNewest`); `after(mark)` proves they do not
    // go before it.
    store.seal(mark)
    let serial = 0
    const eventsOf = (ids: number[], at: number, padding: number): NewEvent[] =>
      ids.map((id) => ({
        messageId: messageIdOf(id),
        ts: tsOf(id),
        receivedAt: at,
        event: { id, serial: serial++, pad: 'x'.repeat(padding) },
      }))
    return ops.map((step): Observed => {
      let stored: string[] = []
      let pruned = false
      if (step.kind === 'batch') {
        const events = eventsOf(step.ids, step.receivedAt, step.pad)
        stored = real ? [...store.insertNew(events)] : model.insertNew(events)
        const uncounted = stored.slice(0, step.uncounted)
        if (real) store.remove(uncounted)
        else model.remove(uncounted)
      } else if (step.kind === 'add') {
        const events = eventsOf(step.ids, step.receivedAt, step.pad)
        if (real) {
          const known = store.knownIds(events.map((event) => event.messageId))
          const fresh = events.filter(
            (event) => !known.has(event.messageId) && (known.add(event.messageId), true),
          )
          store.add(fresh)
          stored = fresh.map((event) => event.messageId)
        } else stored = model.insertNew(events)
      } else if (step.kind === 'staged') {
        const unique = new Map(
          eventsOf(step.ids, step.receivedAt, 10).map((event) => [event.messageId, event]),
        )
        if (real) {
          for (const event of unique.values())
            sql.exec(
              `INSERT INTO merging (source, message_id, ts, received_at, body) VALUES ('s', ?, ?, ?, ?)`,
              event.messageId,
              event.ts,
              event.receivedAt,
              JSON.stringify(event.event),
            )
          store.addStaged('s')
          sql.exec(`DELETE FROM merging`)
        } else model.insertNew([...unique.values()].sort(byStagedOrder))
      } else if (step.kind === 'remove') {
        const removed = step.ids.map(messageIdOf)
        if (real) store.remove(removed)
        else model.remove(removed)
      } else if (step.kind === 'clear') {
        if (real) store.clear()
        else model.events = []
      } else if (step.kind === 'checkpoint') {
        mark = real ? store.lastStored() : model.lastStored()
        if (real) store.seal(mark)
      } else if (step.kind === 'prune') {
        pruned = real
          ? step.afterBatch
            ? store.pruneAfterBatch(step.now)
            : store.prune(step.now)
          : model.prune(step.now, step.afterBatch)
        if (pruned) mark = real ? store.lastStored() : model.lastStored()
        if (pruned && real) store.seal(mark)
      } else if (step.kind === 'restart') {
        if (real) {
          store = new EventStore(sql, bounds)
          store.seal(mark)
        } else model.forget()
      } else {
        // A transaction that stores a batch, then fails: the storage and the memory roll back.
        const events = eventsOf(step.ids, NOW, 0)
        if (real)
          try {
            storage.transactionSync(() => {
              store.insertNew(events)
              throw new Error('rolled back')
            })
          } catch {
            store.forget()
            store.seal(mark)
          }
        else model.forget()
      }
      const retainedAt = NOW + DAY
      return real
        ? {
            stored: stored.sort(),
            pruned,
            known: [...store.knownIds(POOL)].sort(),
            count: store.count(),
            inOrder: pages(store, 4, 200),
            after: [...store.after(mark)],
            byTime: [...store.byTime()],
            latest: store.latest(3),
            retained: [...store.retainedByTime(retainedAt)],
          }
        : {
            stored: stored.sort(),
            pruned,
            known: model.events.map((event) => event.messageId).sort(),
            count: model.events.length,
            inOrder: model.events.map((event) => [
              event.messageId,
              event.ts,
              event.receivedAt,
              event.event,
            ]),
            after: model.events.filter((event) => event.serial > mark).map((event) => event.event),
            byTime: [...model.events].sort(byTime).map((event) => event.event),
            latest: [...model.events]
              .sort(byTime)
              .reverse()
              .slice(0, 3)
              .map((event) => event.event),
            retained: model.retained(retainedAt).map((event) => event.event),
          }
    })
  })
}

describe('EventStore, a row per stored batch', () => {
  it.each([
    ['rows of a batch or less', BOUNDS],
    ['rows a visit’s batches share', WIDE_BOUNDS],
  ])(
    'answers every read as a list of events by messageId, through batches, merges, prunes, checkpoints, restarts and rollbacks (%s)',
    async (_, bounds) => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
          expect(await run(ops, true, bounds)).toEqual(await run(ops, false, bounds))
        }),
        { numRuns: 60 },
      )
    },
  )

  it('keeps every row within its bounds (a single larger event alone)', async () => {
    const rows = await inScratchStore(BOUNDS, (store, { sql }) => {
      const event = (id: number, pad: number) => ({
        messageId: `m${id}`,
        ts: NOW,
        receivedAt: NOW,
        event: { pad: 'x'.repeat(pad) },
      })
      store.add([event(0, 0), event(1, 0), event(2, 0), event(3, 0), event(4, 400), event(5, 0)])
      return storedRows(sql).map((row) => ({
        ids: row.ids,
        fits: row.chars === row.events.length && row.chars <= BOUNDS.rowChars,
      }))
    })
    expect(rows).toEqual([
      { ids: ['m0', 'm1', 'm2'], fits: true },
      { ids: ['m3'], fits: true },
      { ids: ['m4'], fits: false },
      { ids: ['m5'], fits: true },
    ])
  })
})

describe('a visit’s batches', () => {
  it('share a row until a checkpoint counts it, an hour passed or it is full; non-ASCII text kept', async () => {
    const rows = await inScratchStore(WIDE_BOUNDS, (store, { sql }) => {
      const batch = (id: number, receivedAt: number, text = '') =>
        store.insertNew([{ messageId: `m${id}`, ts: NOW, receivedAt, event: { id, text } }])
      store.seal(0)
      batch(0, NOW, 'é😀')
      batch(1, NOW + 1000, 'ü')
      batch(2, NOW + 2000)
      // A checkpoint counts the row: the next batch starts another.
      store.seal(store.lastStored())
      batch(3, NOW + 3000)
      batch(4, NOW + 4000, '😀😀')
      // More than an hour after the row's first batch.
      batch(5, NOW + 3000 + EXTEND_WINDOW_MS + 1)
      // Full at 8 events.
      for (let id = 6; id < 15; id++) batch(id, NOW + 3000 + EXTEND_WINDOW_MS + id)
      return {
        rows: storedRows(sql).map((row) => ({
          ids: row.ids,
          chars: row.chars === row.events.length,
          texts: (JSON.parse(row.events) as [number, number, { text: string }][]).map(
            ([, , event]) => event.text,
          ),
        })),
        inOrder: store.page(0, 100, 100_000).events.map((event) => event.messageId),
      }
    })
    const ids = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => `m${from + i}`)
    expect(rows.rows.map((row) => row.ids)).toEqual([ids(0, 3), ids(3, 5), ids(5, 13), ids(13, 15)])
    expect(rows.rows.every((row) => row.chars)).toBe(true)
    expect(rows.rows.slice(0, 2).map((row) => row.texts)).toEqual([
      ['é😀', 'ü', ''],
      ['', '😀😀'],
    ])
    expect(rows.inOrder).toEqual(ids(0, 15))
  })
})

describe.each(['rowid', 'seq'] as const)(
  'a table of a row per event (by %s), moved into batch rows',
  (numbering) => {
    it('reads the same events, and the events after the checkpoint after its new mark', async () => {
      const oldEvents = fc
        .uniqueArray(
          fc.record({
            id: fc.integer({ min: 0, max: 40 }),
            gap: fc.integer({ min: 1, max: 3 }),
            receivedAt,
          }),
          { selector: (event) => event.id, maxLength: 20 },
        )
        .map((events) => {
          let place = 0
          return events.map(({ id, gap, receivedAt }) => ({
            id,
            place: (place += gap),
            receivedAt,
          }))
        })
      await fc.assert(
        fc.asyncProperty(
          oldEvents,
          fc.nat({ max: 70 }),
          fc.boolean(),
          async (events, mark, saved) => {
            const outcome = await runInDurableObject(
              env.PROFILES.getByName(uniqueId('scratch')),
              (_, state) => {
                const sql = state.storage.sql
                sql.exec(ROWID_SCHEMA)
                if (numbering === 'seq') sql.exec(`DROP TABLE events; ${SEQ_EVENTS_SCHEMA}`)
                sql.exec(`INSERT INTO meta (key, value) VALUES ('profile', 'p')`)
                // A checkpoint then: the state row, and its mark in `meta`.
                if (saved) {
                  sql.exec(`INSERT INTO state (id, rules_version, snapshot) VALUES (1, 'v', '{}')`)
                  sql.exec(
                    `INSERT INTO meta (key, value) VALUES ('snapshot_up_to', ?)`,
                    String(mark),
                  )
                }
                // Inserted out of order: the old order is the place, not the insert.
                for (const event of [...events].reverse())
                  sql.exec(
                    `INSERT INTO events (${numbering}, message_id, ts, received_at, body) VALUES (?, ?, ?, ?, ?)`,
                    event.place,
                    messageIdOf(event.id),
                    tsOf(event.id),
                    event.receivedAt,
                    JSON.stringify({ id: event.id }),
                  )
                // A cold start: the constructor brings the tables up to date.
                new ProfileStore(sql)
                const store = new EventStore(sql)
                // The mark moved into the state row, its `meta` row gone.
                const upTo = sql
                  .exec<{ up_to: number | null }>(`SELECT up_to FROM state`)
                  .toArray()[0]?.up_to
                const legacyMarks = sql
                  .exec(`SELECT 1 FROM meta WHERE key = 'snapshot_up_to'`)
                  .toArray().length
                return {
                  tables: sql.exec(`SELECT 1 FROM sqlite_master WHERE name = 'events'`).toArray()
                    .length,
                  legacyMarks,
                  after: upTo === undefined || upTo === null ? null : [...store.after(upTo)],
                  inOrder: pages(store, 1000, 2_000_000).map((event) => (event as unknown[])[0]),
                  byTime: [...store.byTime()],
                  known: store.knownIds(events.map((event) => messageIdOf(event.id))).size,
                }
              },
            )
            const inOrder = [...events].sort((a, b) => a.place - b.place)
            expect(outcome).toEqual({
              tables: 0,
              legacyMarks: 0,
              after: saved
                ? inOrder.filter((event) => event.place > mark).map((event) => ({ id: event.id }))
                : null,
              inOrder: inOrder.map((event) => messageIdOf(event.id)),
              byTime: [...inOrder]
                .sort((a, b) => tsOf(a.id) - tsOf(b.id) || a.place - b.place)
                .map((event) => ({ id: event.id })),
              known: events.length,
            })
          },
        ),
        { numRuns: 40 },
      )
    })
  },
)
