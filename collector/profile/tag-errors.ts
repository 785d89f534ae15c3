import { setMeta } from './meta.ts'
/** A profile's tags whose expression threw at its latest evaluation, with the error's message. */
export type TagErrors = Record<string, string>

/** The `meta` row a profile keeps its last reported tag errors in (to report only changes). */
const TAG_ERRORS = 'tag_errors'

/**
 * The tags that throw for this profile (tag health, `GET /v1/catalog`): kept in the profile's own
 * `meta` and mirrored to D1 `tag_errors` only when they change, so a profile whose tags keep
 * throwing the same way costs no D1 write per batch.
 */
export class ProfileTagErrors {
  /**
   * The last reported errors' text, once read: the object is the only writer of its storage, so
   * every batch after the first compares in memory instead of reading `meta` again.
   */
  private last: string | undefined

  constructor(private readonly sql: SqlStorage) {}

  /** Whether `errors` differ from the last reported ones; records them if so (in a transaction). */
  changed(errors: TagErrors): boolean {
    const text = JSON.stringify(Object.entries(errors).sort(([a], [b]) => (a < b ? -1 : 1)))
    this.last ??=
      this.sql
        .exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, TAG_ERRORS)
        .toArray()[0]?.value ?? '[]'
    if (this.last === text) return false
    setMeta(this.sql, TAG_ERRORS, text)
    this.last = text
    return true
  }

  /** The storage was rolled back or erased: read the last reported errors again. */
  forget(): void {
    this.last = undefined
  }
}

/** Replaces `profile`'s rows of D1 `tag_errors` with `errors` (one batch). */
export async function reportTagErrors(
  db: D1Database,
  profile: string,
  errors: TagErrors,
  now: number,
): Promise<void> {
  await db.batch([
    db.prepare(`DELETE FROM tag_errors WHERE profile = ?`).bind(profile),
    ...Object.entries(errors).map(([tag, error]) =>
      db
        .prepare(`INSERT INTO tag_errors (profile, tag, error, updated_at) VALUES (?, ?, ?, ?)`)
        .bind(profile, tag, error.slice(0, 500), now),
    ),
  ])
}

/** The statement removing profiles' rows (erased, or merged into another): any number of ids. */
export const forgetTagErrorsStatement = (
  db: D1Database,
  ids: readonly string[],
): D1PreparedStatement =>
  db
    .prepare(`DELETE FROM tag_errors WHERE profile IN (SELECT value FROM json_each(?))`)
    .bind(JSON.stringify(ids))
