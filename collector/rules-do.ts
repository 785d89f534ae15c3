import { DurableObject } from 'cloudflare:workers'
import type { Env } from './env.ts'

/** A published rules version, as `GET /v1/rules/versions` lists it. */
export interface RulesVersion {
  version: string
  /** ISO-8601 time of the publication. */
  publishedAt: string
}

/** What `publish` did. */
export type PublishResult =
  | { status: 'published' | 'unchanged'; version: string; previous: string }
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
 * per event.
 */
export class RulesDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.sql.exec(SCHEMA)
  }

  /**
   * The active version, with its text unless it is `known` already; `null` when nothing was
   * published (the bundled default is active).
   */
  async active(known?: string): Promise<{ version: string; text?: string } | null> {
    const row = this.latest()
    if (!row) return null
    return row.version === known ? { version: row.version } : row
  }

  /**
   * Makes `text` (version `version`, already validated) the active document, unless `ifMatch`
   * (versions from an `If-Match` header, or `*`) does not name the active one (`defaultVersion`
   * while nothing was published).
   */
  async publish(
    version: string,
    text: string,
    defaultVersion: string,
    ifMatch?: readonly string[],
  ): Promise<PublishResult> {
    const previous = this.latest()?.version ?? defaultVersion
    if (ifMatch && !ifMatch.includes('*') && !ifMatch.includes(previous))
      return { status: 'stale', current: previous }
    if (previous === version) return { status: 'unchanged', version, previous }
    this.ctx.storage.sql.exec(
      `INSERT INTO versions (version, text, published_at) VALUES (?, ?, ?)`,
      version,
      text,
      Date.now(),
    )
    return { status: 'published', version, previous }
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
