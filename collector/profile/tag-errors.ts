import type { ProfileMeta } from './meta.ts'
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
   * The last reported errors' text is a `meta` row, read with the others and kept in memory
   * (`ProfileMeta`): a batch compares in memory.
   */
  constructor(private readonly meta: ProfileMeta) {}

  /** Whether `errors` differ from the last reported ones; records them if so (in a transaction). */
  changed(errors: TagErrors): boolean {
    const text = JSON.stringify(Object.entries(errors).sort(([a], [b]) => (a < b ? -1 : 1)))
    if ((this.meta.get(TAG_ERRORS) ?? '[]') === text) return false
    this.meta.set(TAG_ERRORS, text)
    return true
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
