import { listProfile, LISTING_REFRESH_MS } from './directory.ts'
import type { ProfileAlarm } from './profile-alarm.ts'
import type { ProfileMeta } from './meta.ts'

/**
 * The profile's own record of its listing (a `meta` row, JSON {@link Mark}): when it last listed
 * itself, and whether D1 has yet to take that listing. One row, so a listing costs two rows written
 * (marked pending by the commit, cleared once D1 took it), where two rows cost three.
 */
const LISTING = 'listing'
/** Profiles listed before kept the mark in two rows: the time, and a row while pending. */
const LEGACY_LISTED_AT = 'listed_at'
const LEGACY_LISTING_PENDING = 'listing_pending'

/** How soon a listing that D1 refused (or that an object did not live to write) is tried again. */
export const LISTING_RETRY_MS = 30_000

/** The listing's mark. */
interface Mark {
  listedAt: number
  pending: boolean
}

/** The mark a `listing` row holds, `undefined` for none or for text that is not one. */
function parseMark(text: string | undefined): Mark | undefined {
  if (text === undefined) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return isMark(value) ? value : undefined
  } catch {
    // A commit must not fail for its directory mark: every later batch of the profile would.
    return undefined
  }
}

const isMark = (value: unknown): value is Mark =>
  typeof value === 'object' &&
  value !== null &&
  'listedAt' in value &&
  typeof value.listedAt === 'number' &&
  'pending' in value &&
  typeof value.pending === 'boolean'

/**
 * When a profile (re)lists itself in the directory (`directory.ts`): on its first commit
 * and then at most once per hour. The decision is taken inside the commit's own transaction and
 * marked there (`meta` rows, only when due), so a batch still costs one storage transaction;
 * the D1 write itself runs after the commit, in the background. The listing stays marked pending
 * in storage until D1 took it, so one that D1 refused, or that an object evicted or restarted
 * before the write never made, is not forgotten: the next commit (a client's retry of the same
 * batch included) or the object's next alarm writes it; a refused write sets that alarm within
 * {@link LISTING_RETRY_MS}. A profile whose only commit was not listed is not left out of every
 * backfill and preview. Left open: an object that dies after answering and before the write, for a
 * profile with no later commit and no time-driven tag (so no alarm). The marks are read with the
 * profile's other `meta` rows (`ProfileMeta`, kept in memory): the common case reads nothing.
 */
export class ProfileListing {
  /** The directory write under way, if any: an erase waits for it before the route unlists. */
  private writing: Promise<void> | undefined

  constructor(private readonly meta: ProfileMeta) {}

  private read(): Mark {
    const parsed = parseMark(this.meta.get(LISTING))
    if (parsed) return parsed
    // None yet (or unreadable: the profile lists itself again, which rewrites it).
    return {
      listedAt: Number(this.meta.get(LEGACY_LISTED_AT) ?? 0),
      pending: this.meta.get(LEGACY_LISTING_PENDING) !== undefined,
    }
  }

  private write(mark: Mark): void {
    this.meta.set(LISTING, JSON.stringify(mark))
    // The two rows of before go with the first write of the one that replaces them.
    const legacy = [LEGACY_LISTED_AT, LEGACY_LISTING_PENDING]
    if (legacy.some((key) => this.meta.get(key) !== undefined)) this.meta.delete(...legacy)
  }

  /** Inside a committing transaction: true (and marked) when the directory needs this commit. */
  due(now: number): boolean {
    const mark = this.read()
    if (!mark.pending && mark.listedAt > 0 && now - mark.listedAt < LISTING_REFRESH_MS) return false
    this.write({ listedAt: now, pending: true })
    return true
  }

  /** Outside a commit (the alarm): true (and marked) when a listing is still pending. */
  retryDue(now: number): boolean {
    return this.read().pending && this.due(now)
  }

  /**
   * Lists `profile` in the directory (after a commit `due` marked) and clears the pending mark. A
   * failure is logged, stays pending and is retried by the object's alarm within
   * {@link LISTING_RETRY_MS} (or by the next commit). Never rejects: the caller awaits it (a new
   * profile's first listing) or hands it to `waitUntil`.
   */
  list(db: D1Database, profile: string, now: number, alarm: ProfileAlarm): Promise<void> {
    const write = listProfile(db, profile, now)
      .then(
        () => {
          // A later commit's listing under way keeps its own mark (it clears it when written).
          if (this.writing !== write) return
          this.write({ ...this.read(), pending: false })
        },
        async (error: unknown) => {
          console.warn(
            'tagwise: listing a profile in the directory failed; retrying by alarm:',
            error,
          )
          await alarm.setBy(Date.now() + LISTING_RETRY_MS)
        },
      )
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
}
