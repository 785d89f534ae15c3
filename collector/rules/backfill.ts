import type { Env } from '../env.ts'
import { countProfilesAfter, unlistProfiles } from '../profile/directory.ts'
import {
  recordFailedPage,
  toError,
  visitDirectoryPage,
  type DirectoryPage,
} from '../profile/directory-page.ts'
import type { RebuildOutcome } from '../profile/profile-do.ts'

/** A rules backfill's progress, as `GET /v1/rules/backfill` shows it. */
export interface BackfillStatus {
  /** The rules version the profiles are rebuilt with. */
  version: string
  /**
   * `running`; `done` (every listed profile was visited, see `failed`); `failed` (the directory
   * could not be read, see `error`); `superseded` (a newer version was published before the end).
   */
  state: 'running' | 'done' | 'failed' | 'superseded'
  /** Profiles visited so far (rebuilt, failed or found without data). */
  processed: number
  /** Profiles rebuilt from their events. */
  rebuilt: number
  /** Profiles whose rebuild failed (they pick up the version on their next event). */
  failed: number
  /** `processed` + the profiles listed after the cursor (grows when new profiles appear). */
  total: number
  /** ISO-8601 times. */
  startedAt: string
  finishedAt: string | null
  /** The last error met, if any. */
  error: string | null
}

/** Profiles per page. @default 50 */
const DEFAULT_PAGE_SIZE = 50

const SCHEMA = `CREATE TABLE IF NOT EXISTS backfill (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  run INTEGER NOT NULL,
  version TEXT NOT NULL,
  state TEXT NOT NULL,
  cursor TEXT NOT NULL,
  processed INTEGER NOT NULL,
  rebuilt INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  total INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  error TEXT
)`

type Row = {
  run: number
  version: string
  state: BackfillStatus['state']
  cursor: string
  processed: number
  rebuilt: number
  failed: number
  total: number
  attempts: number
  started_at: number
  finished_at: number | null
  error: string | null
}

/**
 * The rules backfill (spec: collector.md, `PUT /v1/rules?backfill=1`), kept in the rules object's
 * SQLite: one row, the latest run. The rules object's alarm runs it a page at a time: the next
 * profile ids after the persisted cursor (the D1 directory in id order), each profile asked to
 * `rebuild` with the run's version, then the cursor and counts are saved in one write. An evicted
 * or crashed object resumes at its cursor on the next alarm; the page under way when it crashed is
 * rebuilt again, which changes nothing (a rebuild is idempotent). A newer publication supersedes
 * the run.
 */
export class Backfill {
  /** The page under way, so an alarm and a manual run never page at once. */
  private paging: Promise<number | null> | undefined

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
  ) {
    sql.exec(SCHEMA)
  }

  status(): BackfillStatus | null {
    const row = this.row()
    return row ? statusOf(row) : null
  }

  /**
   * The version of the running backfill, if any (the rules object keeps it). A publication
   * supersedes a run of another version in the same write, so it is the active one, kept anyway;
   * named here so pruning never depends on that order.
   */
  runningVersions(): string[] {
    return this.sql
      .exec<{ version: string }>(`SELECT version FROM backfill WHERE state = 'running'`)
      .toArray()
      .map((row) => row.version)
  }

  /** Starts a run for `version` (replacing any other) and counts the profiles to visit. */
  async start(version: string, now: number): Promise<BackfillStatus> {
    const run = (this.row()?.run ?? 0) + 1
    this.sql.exec(
      `INSERT OR REPLACE INTO backfill (id, run, version, state, cursor, processed, rebuilt, failed,
         total, attempts, started_at, finished_at, error)
       VALUES (1, ?, ?, 'running', '', 0, 0, 0, 0, 0, ?, NULL, NULL)`,
      run,
      version,
      now,
    )
    const total = await countProfilesAfter(this.env.DB).catch(() => 0)
    this.sql.exec(`UPDATE backfill SET total = ? WHERE run = ? AND processed = 0`, total, run)
    return this.status()!
  }

  /** A version other than the running one's was published: the run stops. */
  supersede(version: string, now: number): void {
    this.sql.exec(
      `UPDATE backfill SET state = 'superseded', finished_at = ? WHERE state = 'running' AND version != ?`,
      now,
      version,
    )
  }

  /**
   * Runs the next page of a running backfill whose version is still `active`. Resolves to the delay (ms) before the next page, or
   * `null` when the run is over (or none is running).
   */
  page(active: string): Promise<number | null> {
    this.paging ??= this.nextPage(active).finally(() => (this.paging = undefined))
    return this.paging
  }

  private async nextPage(active: string): Promise<number | null> {
    const job = this.row()
    if (!job || job.state !== 'running') return null
    if (job.version !== active) {
      this.supersede(active, Date.now())
      return null
    }
    const pageSize = Number(this.env.BACKFILL_PAGE_SIZE ?? DEFAULT_PAGE_SIZE)
    let page: DirectoryPage<RebuildOutcome>
    try {
      page = await visitDirectoryPage(this.env, job.cursor, pageSize, (stub) =>
        stub.rebuild(job.version),
      )
      // Forwards and erased objects hold no profile: the directory should not list them.
      const stray = page.ids.filter(
        (_, n) => page.outcomes[n] === 'forwarded' || page.outcomes[n] === 'empty',
      )
      await unlistProfiles(this.env.DB, stray)
    } catch (error) {
      return this.pageFailed(job, toError(error))
    }
    const { ids, outcomes, more } = page
    // A publication during the page replaced or superseded this run: leave its row alone.
    if (this.row()?.run !== job.run || this.row()?.state !== 'running') return null
    if (outcomes.includes('superseded')) {
      // A profile already runs a newer version, published since this page began.
      this.sql.exec(
        `UPDATE backfill SET state = 'superseded', finished_at = ? WHERE run = ?`,
        Date.now(),
        job.run,
      )
      return null
    }
    const failures = outcomes.filter((outcome) => outcome instanceof Error)
    const processed = job.processed + ids.length
    const over = !more
    this.sql.exec(
      `UPDATE backfill SET cursor = ?, processed = ?, rebuilt = ?, failed = ?, total = ?,
         attempts = 0, state = ?, finished_at = ?, error = coalesce(?, error) WHERE run = ?`,
      ids.at(-1) ?? job.cursor,
      processed,
      job.rebuilt + outcomes.filter((outcome) => outcome === 'rebuilt').length,
      job.failed + failures.length,
      // The count taken at the start, until the run passes it (profiles listed since).
      over ? processed : Math.max(job.total, processed + 1),
      over ? 'done' : 'running',
      over ? Date.now() : null,
      failures[0]?.message ?? null,
      job.run,
    )
    if (failures.length)
      console.warn(
        `tagwise: backfill ${job.version}: ${failures.length} rebuild(s) failed:`,
        failures[0],
      )
    return over ? null : Number(this.env.BACKFILL_PAUSE_MS ?? 0)
  }

  /** The directory could not be read: retried with backoff, then the run fails. */
  private pageFailed(job: Row, error: Error): number | null {
    const key = { column: 'run' as const, value: job.run }
    const name = `backfill ${job.version}`
    const attempts = recordFailedPage(
      this.sql,
      { table: 'backfill', key, attempts: job.attempts, name },
      error,
    )
    return attempts === null ? null : 1000 * 2 ** attempts
  }

  private row(): Row | undefined {
    return this.sql.exec<Row>(`SELECT * FROM backfill WHERE id = 1`).toArray()[0]
  }
}

function statusOf(row: Row): BackfillStatus {
  return {
    version: row.version,
    state: row.state,
    processed: row.processed,
    rebuilt: row.rebuilt,
    failed: row.failed,
    total: row.total,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
    error: row.error,
  }
}
