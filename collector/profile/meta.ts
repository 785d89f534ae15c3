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
