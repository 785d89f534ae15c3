import type { StorageTables } from './storage-tables.ts'

/**
 * Sets a row of a profile's `meta` table (inside the caller's transaction). An upsert: `INSERT OR
 * REPLACE` deletes a row it replaces before inserting it again, where an update writes it once.
 */
export function setMeta(sql: SqlStorage, key: string, value: string): void {
  sql.exec(
    `INSERT INTO meta (key, value) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    key,
    value,
  )
}

/**
 * A profile's `meta` rows (its id, forward, schema mark, listing marks, tag errors, erasure time):
 * a handful of short rows, read whole in one statement the first time anything asks, then kept
 * while the object lives. A cold start (an object idle for 10 s starts again) read them in three
 * statements, one per owner. The object is the only writer of its storage, so every write goes
 * through here and the memory follows it; `forget` drops it when a transaction rolls back or the
 * tables are created again.
 */
export class ProfileMeta {
  private rows: Map<string, string> | undefined

  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: StorageTables,
  ) {}

  get(key: string): string | undefined {
    return this.read().get(key)
  }

  /** Writes `key` (inside the caller's transaction, as every write here). */
  set(key: string, value: string): void {
    setMeta(this.sql, key, value)
    this.rows?.set(key, value)
  }

  /** Writes the rows of `entries` whose key has none yet (one statement), leaving the others. */
  insertNew(entries: Readonly<Record<string, string>>): void {
    const pairs = Object.entries(entries)
    this.sql.exec(
      `INSERT OR IGNORE INTO meta (key, value) VALUES ${pairs.map(() => '(?, ?)').join(', ')}`,
      ...pairs.flat(),
    )
    for (const [key, value] of pairs) if (!this.rows?.has(key)) this.rows?.set(key, value)
  }

  delete(...keys: readonly string[]): void {
    this.sql.exec(
      `DELETE FROM meta WHERE key IN (SELECT value FROM json_each(?))`,
      JSON.stringify(keys),
    )
    for (const key of keys) this.rows?.delete(key)
  }

  /** The storage was rolled back, erased or its tables created: read the rows again. */
  forget(): void {
    this.rows = undefined
  }

  private read(): Map<string, string> {
    // No table: a profile that never wrote holds no row (its first write creates it, and forgets).
    this.rows ??= this.tables.has('meta')
      ? new Map(
          this.sql
            .exec<{ key: string; value: string }>(`SELECT key, value FROM meta`)
            .toArray()
            .map((row) => [row.key, row.value]),
        )
      : new Map()
    return this.rows
  }
}
