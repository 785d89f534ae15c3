import type { TagValue } from '../../rules/index.ts'
import { MAX_TAG_HISTORY } from '../limits.ts'
import { StorageTables } from './storage-tables.ts'
import type { TagChange } from './tag-changes.ts'

/** A recorded tag change, as `GET /v1/profiles/:id` lists it. */
export interface TagHistoryEntry extends TagChange {
  /** ISO-8601 time of the evaluation that saw the change. */
  at: string
}

/**
 * Where a profile's current tags are kept: in the `tag_history` alone (each tag's latest change is
 * its value), or also in a `tags` table, as profiles created before kept them (one row written per
 * change more; docs/cost.md). A profile keeps the form it was created with.
 */
type TagsForm = 'history' | 'table'

/** The current tags, and the id of each tag's latest history row (kept by the trim). */
interface Cached {
  tags: Record<string, TagValue>
  latest: Map<string, number>
}

/**
 * A profile's tag history (and, in profiles created before, its `tags` table): synchronous SQL,
 * inside the caller's transaction. Every batch compares against the current tags, so they are
 * cached after their first read; `forget` drops the cache when a transaction rolls back or the
 * tables are cleared.
 *
 * The current tags are each tag's latest change (`to`, absent when `null`): the history's trim to
 * the latest `MAX_TAG_HISTORY` changes keeps every tag's latest one, however old.
 */
export class TagStore {
  private cached: Cached | undefined
  private form: TagsForm | undefined

  constructor(
    private readonly sql: SqlStorage,
    private readonly tables = new StorageTables(sql),
  ) {}

  forget(): void {
    this.cached = undefined
    this.form = undefined
    this.tables.forget()
  }

  /** Drops every tag and the history (a merge moved the profile away). */
  clear(): void {
    if (this.tagsForm() === 'table') this.sql.exec(`DELETE FROM tags`)
    this.sql.exec(`DELETE FROM tag_history`)
    this.cached = { tags: {}, latest: new Map() }
  }

  /** Whether the profile has a `tags` table (read once). */
  private tagsForm(): TagsForm {
    this.form ??= this.tables.has('tags') ? 'table' : 'history'
    return this.form
  }

  /** The current tags and each tag's latest history row, read once. */
  private load(): Cached {
    if (this.cached) return this.cached
    // A `tags` table is the truth where there is one: its history may have been trimmed (as it
    // was before) past a tag's latest change. Elsewhere the latest changes are the values.
    const fromHistory = this.tagsForm() === 'history'
    const tags: Record<string, TagValue> = fromHistory ? {} : this.tableTags()
    const latest = new Map<string, number>()
    for (const row of this.sql.exec<{ id: number; tag: string; to_value: string | null }>(
      `SELECT id, tag, to_value FROM tag_history
       WHERE id IN (SELECT max(id) FROM tag_history GROUP BY tag)`,
    )) {
      latest.set(row.tag, row.id)
      if (fromHistory && row.to_value !== null) tags[row.tag] = JSON.parse(row.to_value) as TagValue
    }
    this.cached = { tags, latest }
    return this.cached
  }

  /** The `tags` table (profiles created with one). */
  private tableTags(): Record<string, TagValue> {
    const tags: Record<string, TagValue> = {}
    for (const row of this.sql.exec<{ tag: string; value: string }>(`SELECT tag, value FROM tags`))
      tags[row.tag] = JSON.parse(row.value) as TagValue
    return tags
  }

  /** The current tags (a copy). */
  current(): Record<string, TagValue> {
    return { ...this.load().tags }
  }

  /**
   * Applies tag changes and appends them to the history, trimmed to the latest `MAX_TAG_HISTORY`
   * changes and each tag's latest one (its current value), however old: their ids are known, so
   * the trim reads only the rows it deletes.
   */
  apply(changes: readonly TagChange[], at: number): void {
    if (!changes.length) return
    const { tags, latest } = this.load()
    const table = this.tagsForm() === 'table'
    for (const { tag, from, to } of changes) {
      if (to === null) delete tags[tag]
      else tags[tag] = to
      if (table) this.setTableRow(tag, to, at)
      const { id } = this.sql
        .exec<{ id: number }>(
          `INSERT INTO tag_history (tag, from_value, to_value, at) VALUES (?, ?, ?, ?) RETURNING id`,
          tag,
          from === null ? null : JSON.stringify(from),
          to === null ? null : JSON.stringify(to),
          at,
        )
        .one()
      latest.set(tag, id)
    }
    this.sql.exec(
      `DELETE FROM tag_history WHERE id <= (SELECT max(id) FROM tag_history) - ?
       AND id NOT IN (SELECT value FROM json_each(?))`,
      MAX_TAG_HISTORY,
      JSON.stringify([...latest.values()]),
    )
  }

  /** The `tags` table's row of `tag` (profiles created with one). */
  private setTableRow(tag: string, to: TagValue | null, at: number): void {
    if (to === null) this.sql.exec(`DELETE FROM tags WHERE tag = ?`, tag)
    else
      this.sql.exec(
        `INSERT INTO tags (tag, value, since) VALUES (?, ?, ?)
         ON CONFLICT (tag) DO UPDATE SET value = excluded.value, since = excluded.since`,
        tag,
        JSON.stringify(to),
        at,
      )
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
