import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'

/**
 * A profile's tables as profiles created before `WITHOUT ROWID` hold them (collector/profile/
 * schema.ts keeps them: `CREATE TABLE IF NOT EXISTS`): rowid tables, each text key with its own
 * index, and `AUTOINCREMENT` ids. Tests create them to prove such a profile keeps working.
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

/** Whether a profile's `events` table is a rowid table (else `WITHOUT ROWID`). */
export const hasRowidEvents = (id: string): Promise<boolean> =>
  runInDurableObject(
    env.PROFILES.getByName(id),
    (_, state) =>
      !state.storage.sql
        .exec<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE name = 'events'`)
        .one()
        .sql.includes('WITHOUT ROWID'),
  )
