import { LISTING_REFRESH_MS } from './directory.ts'

/** The profile's own record of when it last listed itself (a `meta` row), read through `sql`. */
const LISTED_AT = 'listed_at'

/**
 * When a profile (re)lists itself in the directory (`directory.ts`): on its first commit
 * and then at most once per hour. The decision is taken inside the commit's own transaction and
 * marked there (one `meta` row, only when due), so a batch still costs one storage transaction;
 * the D1 write itself runs after the commit, in the background, and a failure makes the next
 * commit try again. The mark is cached in memory: the common case reads nothing.
 */
export class ProfileListing {
  /** The mark as last read or written; `undefined` = not read yet, `0` = due (retry). */
  private listedAt: number | undefined

  constructor(private readonly sql: SqlStorage) {}

  /** Inside a committing transaction: true (and marked) when the directory needs this commit. */
  due(now: number): boolean {
    this.listedAt ??= Number(
      this.sql
        .exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, LISTED_AT)
        .toArray()[0]?.value ?? 0,
    )
    if (this.listedAt > 0 && now - this.listedAt < LISTING_REFRESH_MS) return false
    this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, LISTED_AT, String(now))
    this.listedAt = now
    return true
  }

  /** The directory write failed: the next commit lists again. */
  retry(): void {
    this.listedAt = 0
  }

  /** The object's storage was erased or rolled back: read the mark again. */
  forget(): void {
    this.listedAt = undefined
  }
}
