import { DurableObject } from 'cloudflare:workers'
import { Backfill, type BackfillStatus } from './backfill.ts'
import type { Env } from '../env.ts'
import { UNPUBLISHED_VERSION } from './active-rules.ts'

/** A published rules version, as `GET /v1/rules/versions` lists it. */
export interface RulesVersion {
  version: string
  /** ISO-8601 time of the publication. */
  publishedAt: string
}

/** What `publish` did. */
export type PublishResult =
  | {
      status: 'published' | 'unchanged'
      version: string
      previous: string
      /** The backfill started with the publication, when asked for. */
      backfill?: BackfillStatus
    }
  | { status: 'stale'; current: string }

const SCHEMA = `CREATE TABLE IF NOT EXISTS versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  version TEXT NOT NULL,
  text TEXT NOT NULL,
  published_at INTEGER NOT NULL
)`

/**
 * The published rules documents: one SQLite-backed Durable Object (named `rules`) holding every
 * version, the latest being active. A single object serializes publications, so `If-Match` is a
 * real compare-and-set; it is read once per isolate per refresh interval (`activeRules`), never
 * per event. Its alarm runs the rules backfill (`backfill.ts`) a page at a time.
 */
export class RulesDO extends DurableObject<Env> {
  private readonly backfill: Backfill

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.sql.exec(SCHEMA)
    this.backfill = new Backfill(ctx.storage.sql, env)
  }

  /**
   * The active version, with its text unless it is `known` already; `null` when nothing was
   * published (`UNPUBLISHED_RULES` are active).
   */
  async active(known?: string): Promise<{ version: string; text?: string } | null> {
    const row = this.latest()
    if (!row) return null
    return row.version === known ? { version: row.version } : row
  }

  /**
   * Makes `text` (version `version`, already validated) the active document, unless `ifMatch`
   * (versions from an `If-Match` header, or `*`) does not name the active one (`UNPUBLISHED_VERSION`
   * while nothing was published). A publication supersedes a running backfill; with `backfill`,
   * a new one starts for `version` (also when it was active already).
   */
  async publish(
    version: string,
    text: string,
    ifMatch?: readonly string[],
    backfill = false,
  ): Promise<PublishResult> {
    const previous = this.latest()?.version ?? UNPUBLISHED_VERSION
    if (ifMatch && !ifMatch.includes('*') && !ifMatch.includes(previous))
      return { status: 'stale', current: previous }
    const now = Date.now()
    const status = previous === version ? 'unchanged' : 'published'
    if (status === 'published') {
      this.ctx.storage.sql.exec(
        `INSERT INTO versions (version, text, published_at) VALUES (?, ?, ?)`,
        version,
        text,
        now,
      )
      this.backfill.supersede(version, now)
    }
    if (!backfill) return { status, version, previous }
    const started = await this.backfill.start(version, now)
    await this.ctx.storage.setAlarm(now + Number(this.env.BACKFILL_PAUSE_MS ?? 0))
    return { status, version, previous, backfill: started }
  }

  /** The latest backfill's progress, or `null` when none ever ran. */
  async backfillStatus(): Promise<BackfillStatus | null> {
    return this.backfill.status()
  }

  /** Runs the next backfill page and sets the alarm for the one after, while the run lasts. */
  override async alarm(): Promise<void> {
    const delay = await this.backfill.page(this.latest()?.version ?? UNPUBLISHED_VERSION)
    if (delay !== null) await this.ctx.storage.setAlarm(Date.now() + delay)
  }

  /** Every publication, newest first. */
  async versions(): Promise<RulesVersion[]> {
    return this.ctx.storage.sql
      .exec<{ version: string; published_at: number }>(
        `SELECT version, published_at FROM versions ORDER BY id DESC`,
      )
      .toArray()
      .map((row) => ({
        version: row.version,
        publishedAt: new Date(row.published_at).toISOString(),
      }))
  }

  private latest(): { version: string; text: string } | undefined {
    return this.ctx.storage.sql
      .exec<{ version: string; text: string }>(
        `SELECT version, text FROM versions ORDER BY id DESC LIMIT 1`,
      )
      .toArray()[0]
  }
}
