import type { EventStore, NewEvent } from './event-store.ts'
import { MERGE_PAGE_CHARS } from './merge.ts'

/**
 * Events of profiles being merged into this one (by source profile), moved here page by page
 * before the merge (synchronous, inside the caller's transaction). A merged profile may hold
 * 10,000 events of up to 32 KB: one call carrying them all would pass the RPC limit and a Durable
 * Object's memory, so they travel in pages and the merge itself moves them into the event store without
 * holding them all in memory.
 *
 * A source whose events take at most `memoryChars` characters of JSON (with the other sources
 * staged in memory) is staged in memory: most merged profiles are a visitor's few anonymous events,
 * and staging them in the table `merging` cost two rows written per event (staged, then deleted)
 * besides the row the merge stores. A larger source goes to the table (its events held in memory
 * until then go with it). What memory held is lost when the object restarts or a transaction rolls
 * back (`forgetMemory`): the merge then finds fewer events staged than the source holds and starts
 * over (`absorbProfile`), as when the target changed between pages. A source found in the table
 * (staged in an earlier life of the object) stays there.
 */
export class MergeStaging {
  /** Sources staged in memory: their events by messageId, in the order first staged. */
  private memory = new Map<string, Map<string, Staged>>()
  private memoryUsed = 0

  constructor(
    private readonly sql: SqlStorage,
    private readonly events: EventStore,
    private readonly memoryChars = MERGE_PAGE_CHARS,
  ) {}

  /** Stages a page of `source`'s events (a page sent again changes nothing). */
  stage(source: string, events: readonly NewEvent[]): void {
    const page = events.map((event) => ({ ...event, body: JSON.stringify(event.event) }))
    let held = this.memory.get(source)
    if (!held && !this.inTable(source)) this.memory.set(source, (held = new Map()))
    if (held) {
      const fresh = new Map<string, Staged>()
      for (const event of page)
        if (!held.has(event.messageId) && !fresh.has(event.messageId))
          fresh.set(event.messageId, event)
      const chars = [...fresh.values()].reduce((sum, event) => sum + event.body.length, 0)
      if (this.memoryUsed + chars <= this.memoryChars) {
        for (const [id, event] of fresh) held.set(id, event)
        this.memoryUsed += chars
        return
      }
      // Too large for memory: the source moves to the table, what memory held first.
      this.dropFromMemory(source)
      this.insert(source, [...held.values()])
    }
    this.insert(source, page)
  }

  /** How many of `source`'s events are staged, and how many of them this profile stores already. */
  count(source: string): { staged: number; known: number } {
    const held = this.memory.get(source)
    if (held) return { staged: held.size, known: this.events.knownIds([...held.keys()]).size }
    const ids = this.sql
      .exec<{ message_id: string }>(`SELECT message_id FROM merging WHERE source = ?`, source)
      .toArray()
      .map((row) => row.message_id)
    return { staged: ids.length, known: this.events.knownIds(ids).size }
  }

  /** `source`'s staged events this profile does not store yet, in timestamp order. */
  *fresh(source: string): Generator<unknown> {
    const held = this.memory.get(source)
    if (held) {
      const known = this.events.knownIds([...held.keys()])
      for (const event of inStoredOrder(held.values()))
        if (!known.has(event.messageId)) yield JSON.parse(event.body)
      return
    }
    for (const row of this.sql.exec<{ message_id: string; body: string }>(
      `SELECT message_id, body FROM merging WHERE source = ? ORDER BY ts, message_id`,
      source,
    ))
      if (!this.events.has(row.message_id)) yield JSON.parse(row.body)
  }

  /** Moves `source`'s staged events into the event store (those not stored yet) and forgets them. */
  moveToEvents(source: string): void {
    const held = this.memory.get(source)
    if (held) this.events.insertNew(inStoredOrder(held.values()))
    else this.events.addStaged(source)
    this.forget(source)
  }

  /** Forgets `source`'s staged events (a merge that erases them instead of taking them in). */
  forget(source: string): void {
    if (this.memory.has(source)) this.dropFromMemory(source)
    else this.sql.exec(`DELETE FROM merging WHERE source = ?`, source)
  }

  /** Drops what memory holds (the storage was rolled back or erased): those merges start over. */
  forgetMemory(): void {
    this.memory.clear()
    this.memoryUsed = 0
  }

  private dropFromMemory(source: string): void {
    for (const event of this.memory.get(source)?.values() ?? [])
      this.memoryUsed -= event.body.length
    this.memory.delete(source)
  }

  private inTable(source: string): boolean {
    return (
      this.sql.exec(`SELECT 1 FROM merging WHERE source = ? LIMIT 1`, source).toArray().length > 0
    )
  }

  private insert(source: string, events: readonly Staged[]): void {
    for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
      const rows = events.slice(i, i + ROWS_PER_STATEMENT)
      this.sql.exec(
        `INSERT OR IGNORE INTO merging (source, message_id, ts, received_at, body)
         VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        ...rows.flatMap((row) => [source, row.messageId, row.ts, row.receivedAt, row.body]),
      )
    }
  }
}

/** A staged event with its JSON, as the table holds it. */
interface Staged extends NewEvent {
  body: string
}

/**
 * Events in the order a merge stores them: by timestamp, then by messageId as SQLite orders text
 * (by UTF-8 bytes, the order of code points), as the table's `ORDER BY ts, message_id` does.
 */
function inStoredOrder(events: Iterable<Staged>): Staged[] {
  return [...events].sort((a, b) => a.ts - b.ts || compareCodePoints(a.messageId, b.messageId))
}

function compareCodePoints(a: string, b: string): number {
  const left = [...a]
  const right = [...b]
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!
    if (difference) return difference
  }
  return left.length - right.length
}

/** Five values a row, within Durable Object SQL's 100 bound values a statement. */
const ROWS_PER_STATEMENT = 20
