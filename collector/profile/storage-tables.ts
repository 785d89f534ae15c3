/**
 * Which tables a profile's storage holds, read from `sqlite_master` in one statement the first time
 * anything asks (then kept while the object lives). A cold start asked three times, once per store
 * (whether the profile ever wrote, whether it still has a table of a row per event, whether it keeps
 * a table `tags`), and an object starts again after 10 s idle. Only code that creates or drops
 * tables changes the answer: it calls `forget` (as does a rolled-back transaction).
 */
export class StorageTables {
  private names: ReadonlySet<string> | undefined

  constructor(private readonly sql: SqlStorage) {}

  has(table: string): boolean {
    this.names ??= new Set(
      this.sql
        .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)
        .toArray()
        .map((row) => row.name),
    )
    return this.names.has(table)
  }

  /** Tables were created or dropped (or a transaction that may have done so rolled back). */
  forget(): void {
    this.names = undefined
  }
}
