import type { TagValue } from '../../rules/index.ts'
import { MAX_TAG_HISTORY } from '../limits.ts'
import type { TagChange } from './tag-changes.ts'

/** A recorded tag change, as `GET /v1/profiles/:id` lists it. */
export interface TagHistoryEntry extends TagChange {
  /** ISO-8601 time of the evaluation that saw the change. */
  at: string
}

/**
 * A profile's `tags` and `tag_history` tables (synchronous SQL, inside the caller's transaction).
 * Every batch compares against the current tags, so they are cached after their first read;
 * `forget` drops the cache when a transaction rolls back or the tables are cleared.
 */
export class TagStore {
  private cached: Record<string, TagValue> | undefined

  constructor(private readonly sql: SqlStorage) {}

  forget(): void {
    this.cached = undefined
  }

  /** The current tags (a copy). */
  current(): Record<string, TagValue> {
    if (!this.cached) {
      const tags: Record<string, TagValue> = {}
      for (const row of this.sql.exec<{ tag: string; value: string }>(
        `SELECT tag, value FROM tags`,
      ))
        tags[row.tag] = JSON.parse(row.value) as TagValue
      this.cached = tags
    }
    return { ...this.cached }
  }

  /** Applies tag changes and appends them to the history (bounded). */
  apply(changes: readonly TagChange[], at: number): void {
    const tags = this.current()
    for (const { tag, from, to } of changes) {
      if (to === null) delete tags[tag]
      else tags[tag] = to
      if (to === null) this.sql.exec(`DELETE FROM tags WHERE tag = ?`, tag)
      else
        this.sql.exec(
          `INSERT INTO tags (tag, value, since) VALUES (?, ?, ?)
           ON CONFLICT (tag) DO UPDATE SET value = excluded.value, since = excluded.since`,
          tag,
          JSON.stringify(to),
          at,
        )
      this.sql.exec(
        `INSERT INTO tag_history (tag, from_value, to_value, at) VALUES (?, ?, ?, ?)`,
        tag,
        from === null ? null : JSON.stringify(from),
        to === null ? null : JSON.stringify(to),
        at,
      )
    }
    if (changes.length)
      this.sql.exec(
        `DELETE FROM tag_history WHERE id <= (SELECT max(id) FROM tag_history) - ?`,
        MAX_TAG_HISTORY,
      )
    this.cached = tags
  }

  /** Tag changes, newest first. */
  history(limit = MAX_TAG_HISTORY): TagHistoryEntry[] {
    const parse = (value: string | null) =>
      value === null ? null : (JSON.parse(value) as TagValue)
    return this.sql
      .exec<{ tag: string; from_value: string | null; to_value: string | null; at: number }>(
        `SELECT tag, from_value, to_value, at FROM tag_history ORDER BY id DESC LIMIT ?`,
        limit,
      )
      .toArray()
      .map((row) => ({
        tag: row.tag,
        from: parse(row.from_value),
        to: parse(row.to_value),
        at: new Date(row.at).toISOString(),
      }))
  }
}
