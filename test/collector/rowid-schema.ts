import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { EventStore } from '../../collector/profile/event-store.ts'
import { PROFILE_SCHEMA } from '../../collector/profile/schema.ts'
import { ProfileStore } from '../../collector/profile/store.ts'

/**
 * A profile's tables as profiles created before `WITHOUT ROWID` hold them (collector/profile/
 * schema.ts keeps them: `CREATE TABLE IF NOT EXISTS`): rowid tables, each text key with its own
 * index, and `AUTOINCREMENT` ids, and a row per event in `events` (moved into `event_batches` by
 * the first cold start). Tests create them to prove such a profile keeps working.
 */
export const ROWID_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  message_id TEXT PRIMARY KEY,
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rules_version TEXT NOT NULL,
  snapshot TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tags (tag TEXT PRIMARY KEY, value TEXT NOT NULL, since INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tag_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tag TEXT NOT NULL,
  from_value TEXT,
  to_value TEXT,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS traits (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS aliases (id TEXT PRIMARY KEY, merged_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS merging (
  source TEXT NOT NULL,
  message_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (source, message_id)
);
`

/**
 * The table `events` as profiles created after `WITHOUT ROWID` and before batch rows hold it: a
 * row per event, numbered by `seq` (its place in the storage order).
 */
export const SEQ_EVENTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  message_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
`

/** The two forms a profile's tables may have. */
export const SCHEMA_FORMS = ['created now', 'created with rowid tables'] as const
export type SchemaForm = (typeof SCHEMA_FORMS)[number]

/**
 * Makes profile `id` (not written yet) one created before `WITHOUT ROWID`, for `form`'s rowid
 * case: its tables are created in the old form, then every object starts again (so none holds
 * what it read before). Nothing for a profile created now.
 */
export async function createProfileTables(id: string, form: SchemaForm): Promise<void> {
  if (form === 'created now') return
  await runInDurableObject(env.PROFILES.getByName(id), (_, state) => {
    state.storage.sql.exec(ROWID_SCHEMA)
  })
  await abortAllDurableObjects()
}

/**
 * Creates a scratch object's tables in `form`, as its cold start leaves them: a profile created
 * with rowid tables has its (empty) table `events` moved into batch rows.
 */
export function createScratchTables(sql: SqlStorage, form: SchemaForm): void {
  if (form === 'created now') return void sql.exec(PROFILE_SCHEMA)
  sql.exec(ROWID_SCHEMA)
  new ProfileStore(sql).migrate()
}

/** Whether a profile still has a table `events` of a row per event (else it was converted). */
export const hasEventsTable = (id: string): Promise<boolean> =>
  runInDurableObject(
    env.PROFILES.getByName(id),
    (_, state) =>
      state.storage.sql.exec(`SELECT 1 FROM sqlite_master WHERE name = 'events'`).toArray().length >
      0,
  )

/**
 * Turns profile `id`'s stored events back into a table `events` of a row per event, as profiles
 * created before batch rows hold them (numbered by rowid, or by `seq` with gaps), its checkpoint's
 * mark with them, then runs `after` (SQL); then every object starts again.
 */
export async function storeRowPerEvent(
  id: string,
  numbering: 'rowid' | 'seq',
  after = '',
): Promise<void> {
  await runInDurableObject(env.PROFILES.getByName(id), (_, state) => {
    const sql = state.storage.sql
    const store = new EventStore(sql)
    const mark = sql.exec<{ up_to: number }>(`SELECT up_to FROM state`).one().up_to
    sql.exec(numbering === 'rowid' ? ROWID_SCHEMA : SEQ_EVENTS_SCHEMA)
    let place = 0
    let oldMark = 0
    for (let after: number | null = 0; after !== null;) {
      const page = store.page(after, 1, 1)
      for (const event of page.events) {
        place += numbering === 'rowid' ? 1 : 10
        const columns = [event.messageId, event.ts, event.receivedAt, JSON.stringify(event.event)]
        if (numbering === 'rowid')
          sql.exec(
            `INSERT INTO events (rowid, message_id, ts, received_at, body) VALUES (?, ?, ?, ?, ?)`,
            place,
            ...columns,
          )
        else
          sql.exec(
            `INSERT INTO events (seq, message_id, ts, received_at, body) VALUES (?, ?, ?, ?, ?)`,
            place,
            ...columns,
          )
        if ((page.next ?? store.lastStored()) <= mark) oldMark = place
      }
      after = page.next
    }
    sql.exec(`DROP TABLE event_batches`)
    // Its checkpoint's mark in `meta`, as profiles of that time kept it.
    sql.exec(`ALTER TABLE state DROP COLUMN up_to`)
    sql.exec(`INSERT INTO meta (key, value) VALUES ('snapshot_up_to', ?)`, String(oldMark))
    // Profiles of that time were not marked with the schema text they ran (store.ts): unmarked,
    // the next cold start migrates.
    sql.exec(`DELETE FROM meta WHERE key = 'schema'`)
    if (after) sql.exec(after)
  })
  await abortAllDurableObjects()
}
