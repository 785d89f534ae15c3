import type { TagValue } from '../../rules/index.ts'
import type { Env } from '../env.ts'
import { countProfilesAfter } from '../profile/directory.ts'
import {
  recordFailedPage,
  toError,
  visitDirectoryPage,
  type DirectoryPage,
} from '../profile/directory-page.ts'
import type { PreviewOutcome } from '../profile/profile-do.ts'

/** What a rules change does to one tag, over every profile a preview evaluated. */
export interface TagPreview {
  /** Profiles holding the tag (present and not `false`/`null`) under the active rules. */
  before: number
  /** Profiles holding it under the draft. */
  after: number
  /** Profiles that hold it under the draft only. */
  gained: number
  /** Profiles that hold it under the active rules only. */
  lost: number
  /** Profiles that hold it under both with another value (a tier, a case, a value). */
  changed: number
}

/** A preview, as `POST /v1/rules/preview` and `GET /v1/rules/preview/:id` show it. */
export interface PreviewStatus {
  id: string
  /** `running`, `done`, or `failed` (the directory could not be read, see `error`). */
  state: 'running' | 'done' | 'failed'
  /** The version active when the preview started: the "before" side. */
  active: string
  /** The draft's version (the one `PUT /v1/rules` would publish). */
  draft: string
  /** Profiles visited so far (evaluated, failed or found without data). */
  processed: number
  /** `processed` + the profiles listed after the cursor (grows when new profiles appear). */
  total: number
  /** Profiles evaluated under both documents: what `tags` counts. */
  profiles: number
  /** Profiles whose evaluation failed (not counted in `tags`). */
  failed: number
  /** Every tag of either document, once `done`; a tag of one document only counts 0 on the other side. */
  tags?: Record<string, TagPreview>
  /** ISO-8601 times. */
  startedAt: string
  finishedAt: string | null
  /** The last error met, if any. */
  error: string | null
}

/** What one page did: more pages to go, the run is over, or the page failed (retry later). */
export type PageResult = 'more' | 'over' | 'retry'

/** Previews kept (with their drafts); older ones are dropped when a new one starts. */
const KEPT = 20
/** Profiles per page. @default 50 */
const DEFAULT_PAGE_SIZE = 50

const SCHEMA = `CREATE TABLE IF NOT EXISTS previews (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  active TEXT NOT NULL,
  draft TEXT NOT NULL,
  draft_text TEXT NOT NULL,
  tag_ids TEXT NOT NULL,
  state TEXT NOT NULL,
  cursor TEXT NOT NULL,
  processed INTEGER NOT NULL,
  profiles INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  total INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  error TEXT
);
CREATE TABLE IF NOT EXISTS preview_tags (
  preview TEXT NOT NULL,
  tag TEXT NOT NULL,
  before INTEGER NOT NULL,
  after INTEGER NOT NULL,
  gained INTEGER NOT NULL,
  lost INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  PRIMARY KEY (preview, tag)
)`

type Row = {
  id: string
  active: string
  draft: string
  tag_ids: string
  state: PreviewStatus['state']
  cursor: string
  processed: number
  profiles: number
  failed: number
  total: number
  attempts: number
  started_at: number
  finished_at: number | null
  error: string | null
}

/**
 * Rules previews (spec: collector.md, `POST /v1/rules/preview`), kept in the rules object's SQLite
 * like the backfill (`backfill.ts`) and paged the same way: the next profile ids after the
 * persisted cursor, each profile asked for its tags under the active and the draft versions
 * (`ProfileDO.preview`, read-only: what `rebuild` would record), then the cursor, the counts and
 * the page's per-tag sums are saved in one transaction. An evicted object resumes at its cursor;
 * the page under way when it died is evaluated again and counted once, since nothing of it was
 * saved. The draft is kept with the preview, so profiles can fetch it by version.
 */
export class Previews {
  /** The page under way per preview, so an alarm and an inline run never page one at once. */
  private readonly paging = new Map<string, Promise<PageResult>>()

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {
    storage.sql.exec(SCHEMA)
  }

  /**
   * Starts a preview of `draft` (its version, compact text and tag ids) against `active` (its
   * version and tag ids) and counts the profiles to visit. Drops all but the newest kept previews.
   */
  async start(
    active: { version: string; tags: readonly string[] },
    draft: { version: string; text: string; tags: readonly string[] },
    now: number,
  ): Promise<PreviewStatus> {
    const id = crypto.randomUUID()
    const tagIds = [...new Set([...draft.tags, ...active.tags])]
    const sql = this.storage.sql
    const seq = sql
      .exec<{ n: number }>(`SELECT coalesce(max(seq), 0) + 1 AS n FROM previews`)
      .one().n
    this.storage.transactionSync(() => {
      sql.exec(
        `INSERT INTO previews (id, seq, active, draft, draft_text, tag_ids, state, cursor,
           processed, profiles, failed, total, attempts, started_at, finished_at, error)
         VALUES (?, ?, ?, ?, ?, ?, 'running', '', 0, 0, 0, 0, 0, ?, NULL, NULL)`,
        id,
        seq,
        active.version,
        draft.version,
        draft.text,
        JSON.stringify(tagIds),
        now,
      )
      sql.exec(`DELETE FROM previews WHERE seq <= ?`, seq - KEPT)
      sql.exec(`DELETE FROM preview_tags WHERE preview NOT IN (SELECT id FROM previews)`)
    })
    const total = await countProfilesAfter(this.env.DB).catch(() => 0)
    sql.exec(`UPDATE previews SET total = ? WHERE id = ? AND processed = 0`, total, id)
    return this.status(id)!
  }

  status(id: string): PreviewStatus | null {
    const row = this.row(id)
    if (!row) return null
    const status: PreviewStatus = {
      id: row.id,
      state: row.state,
      active: row.active,
      draft: row.draft,
      processed: row.processed,
      total: row.total,
      profiles: row.profiles,
      failed: row.failed,
      startedAt: new Date(row.started_at).toISOString(),
      finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
      error: row.error,
    }
    if (row.state === 'done') status.tags = this.tags(row)
    return status
  }

  /** The ids of the running previews, oldest first. */
  running(): string[] {
    return this.storage.sql
      .exec<{ id: string }>(`SELECT id FROM previews WHERE state = 'running' ORDER BY seq`)
      .toArray()
      .map((row) => row.id)
  }

  /** The versions running previews evaluate as their active side (the rules object keeps them). */
  runningActiveVersions(): string[] {
    return this.storage.sql
      .exec<{ active: string }>(`SELECT DISTINCT active FROM previews WHERE state = 'running'`)
      .toArray()
      .map((row) => row.active)
  }

  /** The text of a kept preview's draft of version `version`, or `null`. */
  draftText(version: string): string | null {
    return (
      this.storage.sql
        .exec<{ draft_text: string }>(
          `SELECT draft_text FROM previews WHERE draft = ? ORDER BY seq DESC LIMIT 1`,
          version,
        )
        .toArray()[0]?.draft_text ?? null
    )
  }

  /** Runs the next page of preview `id` (if it is running). */
  page(id: string): Promise<PageResult> {
    let paging = this.paging.get(id)
    if (!paging) {
      paging = this.nextPage(id).finally(() => this.paging.delete(id))
      this.paging.set(id, paging)
    }
    return paging
  }

  /**
   * Runs preview `id` page after page within the caller's request, for about `maxProfiles`
   * profiles at most (profiles listed meanwhile may grow a run), and answers its status: still
   * `running` when it needs more, or a page failed, for the alarm to go on.
   */
  async runInline(id: string, maxProfiles: number): Promise<PreviewStatus> {
    let result: PageResult = 'more'
    for (let n = 0; result === 'more' && n <= maxProfiles / this.pageSize() + 1; n++)
      result = await this.page(id)
    return this.status(id)!
  }

  private pageSize(): number {
    return Number(this.env.BACKFILL_PAGE_SIZE ?? DEFAULT_PAGE_SIZE)
  }

  private async nextPage(id: string): Promise<PageResult> {
    const job = this.row(id)
    if (!job || job.state !== 'running') return 'over'
    const pageSize = this.pageSize()
    const versions = [job.active, job.draft]
    let page: DirectoryPage<PreviewOutcome>
    try {
      page = await visitDirectoryPage(this.env, job.cursor, pageSize, (stub) =>
        stub.preview(versions),
      )
    } catch (error) {
      return this.pageFailed(job, toError(error))
    }
    const { ids, outcomes, more } = page
    const sums = new Map<string, TagPreview>()
    let evaluated = 0
    const failures: Error[] = []
    for (const outcome of outcomes) {
      if (outcome instanceof Error) failures.push(outcome)
      else if (typeof outcome === 'object' && 'unknown' in outcome)
        failures.push(new Error(`the rules object knows no version "${outcome.unknown}"`))
      else if (typeof outcome === 'object') {
        evaluated++
        addProfile(sums, outcome.tags[0]!, outcome.tags[1]!)
      }
    }
    const processed = job.processed + ids.length
    const over = !more
    const sql = this.storage.sql
    this.storage.transactionSync(() => {
      // The preview may have been dropped (`KEPT`) while the page ran.
      if (this.row(id)?.state !== 'running') return
      for (const [tag, sum] of sums)
        sql.exec(
          `INSERT INTO preview_tags (preview, tag, before, after, gained, lost, changed)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (preview, tag) DO UPDATE SET before = before + excluded.before,
             after = after + excluded.after, gained = gained + excluded.gained,
             lost = lost + excluded.lost, changed = changed + excluded.changed`,
          id,
          tag,
          sum.before,
          sum.after,
          sum.gained,
          sum.lost,
          sum.changed,
        )
      sql.exec(
        `UPDATE previews SET cursor = ?, processed = ?, profiles = profiles + ?, failed = failed + ?,
           total = ?, attempts = 0, state = ?, finished_at = ?, error = coalesce(?, error)
         WHERE id = ?`,
        ids.at(-1) ?? job.cursor,
        processed,
        evaluated,
        failures.length,
        // The count taken at the start, until the run passes it (profiles listed since).
        over ? processed : Math.max(job.total, processed + 1),
        over ? 'done' : 'running',
        over ? Date.now() : null,
        failures[0]?.message ?? null,
        id,
      )
    })
    if (failures.length)
      console.warn(`tagwise: preview ${id}: ${failures.length} evaluation(s) failed:`, failures[0])
    return over ? 'over' : 'more'
  }

  /** The directory could not be read: retried with backoff, then the preview fails. */
  private pageFailed(job: Row, error: Error): PageResult {
    const key = { column: 'id' as const, value: job.id }
    const name = `preview ${job.id}`
    const attempts = recordFailedPage(
      this.storage.sql,
      { table: 'previews', key, attempts: job.attempts, name },
      error,
    )
    return attempts === null ? 'over' : 'retry'
  }

  /** The consecutive failed pages of preview `id` (for the retry's backoff). */
  attempts(id: string): number {
    return this.row(id)?.attempts ?? 0
  }

  private tags(row: Row): Record<string, TagPreview> {
    const tags: Record<string, TagPreview> = {}
    for (const tag of JSON.parse(row.tag_ids) as string[])
      tags[tag] = { before: 0, after: 0, gained: 0, lost: 0, changed: 0 }
    for (const sum of this.storage.sql.exec<{
      tag: string
      before: number
      after: number
      gained: number
      lost: number
      changed: number
    }>(
      `SELECT tag, before, after, gained, lost, changed FROM preview_tags WHERE preview = ?`,
      row.id,
    )) {
      const { tag, ...counts } = sum
      tags[tag] = counts
    }
    return tags
  }

  /**
   * Preview `id`'s row without its draft's text (up to 1 MB): read two or three times a page and
   * at every status poll, which need none of it.
   */
  private row(id: string): Row | undefined {
    return this.storage.sql
      .exec<Row>(
        `SELECT id, active, draft, tag_ids, state, cursor, processed, profiles, failed, total,
           attempts, started_at, finished_at, error
         FROM previews WHERE id = ?`,
        id,
      )
      .toArray()[0]
  }
}

/** Whether a profile holds a tag with this value, as catalog coverage counts it. */
export const holds = (value: TagValue | undefined): boolean =>
  value !== undefined && value !== null && value !== false

/** Adds one profile's tags before and after the change to the per-tag sums. */
function addProfile(
  sums: Map<string, TagPreview>,
  before: Record<string, TagValue>,
  after: Record<string, TagValue>,
): void {
  for (const tag of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const had = holds(before[tag])
    const has = holds(after[tag])
    if (!had && !has) continue
    let sum = sums.get(tag)
    if (!sum) sums.set(tag, (sum = { before: 0, after: 0, gained: 0, lost: 0, changed: 0 }))
    if (had) sum.before++
    if (has) sum.after++
    if (has && !had) sum.gained++
    if (had && !has) sum.lost++
    if (had && has && JSON.stringify(before[tag]) !== JSON.stringify(after[tag])) sum.changed++
  }
}
