import { listProfile, LISTING_REFRESH_MS } from './directory.ts'
import type { ProfileAlarm } from './profile-alarm.ts'

/** The profile's own record of when it last listed itself (a `meta` row), read through `sql`. */
const LISTED_AT = 'listed_at'

/** How soon a listing that D1 refused is tried again, by the object's alarm, in ms. */
export const LISTING_RETRY_MS = 30_000

/**
 * When a profile (re)lists itself in the directory (`directory.ts`): on its first commit
 * and then at most once per hour. The decision is taken inside the commit's own transaction and
 * marked there (one `meta` row, only when due), so a batch still costs one storage transaction;
 * the D1 write itself runs after the commit, in the background. A failure marks the listing due
 * again, in storage (an object evicted before its next commit still knows), and sets the object's
 * alarm, which lists it then (`retryDue`): a profile whose only commit was not listed is not left
 * out of every backfill and preview. The mark is cached in memory: the common case reads nothing.
 */
export class ProfileListing {
  /** The mark as last read or written; `undefined` = not read yet, `0` = due (retry). */
  private listedAt: number | undefined
  /** The directory write under way, if any: an erase waits for it before the route unlists. */
  private writing: Promise<void> | undefined

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

  /** Outside a commit (the alarm): true (and marked) when a listing D1 refused is still due. */
  retryDue(now: number): boolean {
    const mark = this.sql
      .exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, LISTED_AT)
      .toArray()[0]?.value
    return mark === '0' && this.due(now)
  }

  /**
   * Lists `profile` in the directory (after a commit `due` marked). A failure is logged, marked
   * due in storage and retried by the object's alarm within {@link LISTING_RETRY_MS} (or by the
   * next commit). Never rejects: the caller hands it to `waitUntil`.
   */
  list(db: D1Database, profile: string, now: number, alarm: ProfileAlarm): Promise<void> {
    const write = listProfile(db, profile, now)
      .catch(async (error: unknown) => {
        console.warn(
          'tagwise: listing a profile in the directory failed; retrying by alarm:',
          error,
        )
        this.sql.exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, '0')`, LISTED_AT)
        this.listedAt = 0
        await alarm.setBy(Date.now() + LISTING_RETRY_MS)
      })
      .catch((error: unknown) =>
        console.error('tagwise: scheduling a listing retry failed:', error),
      )
      .finally(() => {
        if (this.writing === write) this.writing = undefined
      })
    this.writing = write
    return write
  }

  /** Resolves when no directory write is under way. */
  async settled(): Promise<void> {
    await this.writing
  }

  /** The object's storage was erased or rolled back: read the mark again. */
  forget(): void {
    this.listedAt = undefined
  }
}
