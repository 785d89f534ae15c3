import type { NewEvent } from './event-store.ts'

/**
 * Events of profiles being merged into this one (`merging`, by source profile), moved here page by
 * page before the merge (synchronous SQL, inside the caller's transaction). A merged profile may
 * hold 10,000 events of up to 32 KB: one call carrying them all would pass the RPC limit and a
 * Durable Object's memory, so they travel in pages and the merge itself moves them from this
 * table into `events` in SQL, without holding them in memory.
 */
export class MergeStaging {
  constructor(private readonly sql: SqlStorage) {}

  /** Stages a page of `source`'s events (a page sent again changes nothing). */
  stage(source: string, events: readonly NewEvent[]): void {
    for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
      const rows = events.slice(i, i + ROWS_PER_STATEMENT)
      this.sql.exec(
        `INSERT OR IGNORE INTO merging (source, message_id, ts, received_at, body)
         VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        ...rows.flatMap((row) => [
          source,
          row.messageId,
          row.ts,
          row.receivedAt,
          JSON.stringify(row.event),
        ]),
      )
    }
  }

  /** How many of `source`'s events are staged, and how many of them this profile stores already. */
  count(source: string): { staged: number; known: number } {
    return this.sql
      .exec<{ staged: number; known: number }>(
        `SELECT count(*) AS staged,
           count(*) FILTER (WHERE message_id IN (SELECT message_id FROM events)) AS known
         FROM merging WHERE source = ?`,
        source,
      )
      .one()
  }

  /** `source`'s staged events this profile does not store yet, in timestamp order. */
  *fresh(source: string): Generator<unknown> {
    for (const row of this.sql.exec<{ body: string }>(
      `SELECT body FROM merging WHERE source = ?
         AND message_id NOT IN (SELECT message_id FROM events) ORDER BY ts, message_id`,
      source,
    ))
      yield JSON.parse(row.body)
  }

  /** Forgets `source`'s staged events: moved into `events`, or erased instead of taken in. */
  forget(source: string): void {
    this.sql.exec(`DELETE FROM merging WHERE source = ?`, source)
  }
}

/** Five values a row, within Durable Object SQL's 100 bound values a statement. */
const ROWS_PER_STATEMENT = 20
