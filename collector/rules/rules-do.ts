import { DurableObject } from 'cloudflare:workers'
import { Backfill, type BackfillStatus } from './backfill.ts'
import type { Env } from '../env.ts'
import { UNPUBLISHED_RULES, UNPUBLISHED_VERSION } from './active-rules.ts'
import { Previews, type PreviewStatus } from './preview.ts'

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

/**
 * Publications kept (and listed by `GET /v1/rules/versions`): each holds its whole document, up to
 * 1 MB, so the object keeps ~100 MB of them at most (plus the pinned ones, `pinnedVersions`),
 * far from a Durable Object's 10 GB.
 */
export const KEPT_PUBLICATIONS = 100

const SCHEMA = `CREATE TABLE IF NOT EXISTS versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  version TEXT NOT NULL,
  text TEXT NOT NULL,
  published_at INTEGER NOT NULL
)`

/**
 * The published rules documents: one SQLite-backed Durable Object (named `rules`) holding the
 * latest {@link KEPT_PUBLICATIONS} publications, the latest being active, and any older one a
 * running preview or backfill still reads (`prune`). A single object serializes publications, so `If-Match` is a
 * real compare-and-set; it is read once per isolate per refresh interval (`activeRules`), never
 * per event. Its alarm runs the rules backfill (`backfill.ts`) a page at a time.
 */
export class RulesDO extends DurableObject<Env> {
  private readonly backfill: Backfill
  private readonly previews: Previews

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.sql.exec(SCHEMA)
    this.backfill = new Backfill(ctx.storage.sql, env)
    this.previews = new Previews(ctx.storage, env)
  }

  /**
   * The text of rules `version`: a published one, the unpublished document, or a kept preview's
   * draft (profiles fetch it by version for `ProfileDO.preview`); `null` when unknown.
   */
  async text(version: string): Promise<string | null> {
    if (version === UNPUBLISHED_VERSION) return UNPUBLISHED_RULES
    const published = this.ctx.storage.sql
      .exec<{ text: string }>(`SELECT text FROM versions WHERE version = ? LIMIT 1`, version)
      .toArray()[0]?.text
    return published ?? this.previews.draftText(version)
  }

  /**
   * Starts a preview of `draft` (version `version`, compact text, already validated) against the
   * active version. A directory of at most `inlineProfiles` profiles is evaluated within the call
   * (its answer is `done`); a larger one, or one whose directory could not be read at once, runs a
   * page per alarm like the backfill, and `previewStatus` follows it.
   */
  async preview(version: string, draft: string, inlineProfiles: number): Promise<PreviewStatus> {
    const active = this.latest() ?? { version: UNPUBLISHED_VERSION, text: UNPUBLISHED_RULES }
    const now = Date.now()
    const started = await this.previews.start(
      { version: active.version, tags: tagIds(active.text) },
      { version, text: draft, tags: tagIds(draft) },
      now,
    )
    if (started.total <= inlineProfiles) {
      const status = await this.previews.runInline(started.id, inlineProfiles)
      if (status.state !== 'running') return status
    }
    await this.wakeAt(now + Number(this.env.BACKFILL_PAUSE_MS ?? 0))
    return this.previews.status(started.id)!
  }

  /** A preview's progress and, once done, its result; `null` when unknown (or dropped). */
  async previewStatus(id: string): Promise<PreviewStatus | null> {
    return this.previews.status(id)
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
      this.prune()
    }
    if (!backfill) return { status, version, previous }
    const started = await this.backfill.start(version, now)
    await this.wakeAt(now + Number(this.env.BACKFILL_PAUSE_MS ?? 0))
    return { status, version, previous, backfill: started }
  }

  /** The latest backfill's progress, or `null` when none ever ran. */
  async backfillStatus(): Promise<BackfillStatus | null> {
    return this.backfill.status()
  }

  /**
   * Runs the next page of the backfill and of one running preview (`previewPage`), and sets the
   * alarm for the next one due, while any runs.
   */
  override async alarm(): Promise<void> {
    const pause = Number(this.env.BACKFILL_PAUSE_MS ?? 0)
    const delays = await Promise.all([
      this.backfill.page(this.latest()?.version ?? UNPUBLISHED_VERSION),
      this.previewPage(pause),
    ])
    const due = delays.filter((delay) => delay !== null)
    if (due.length) await this.ctx.storage.setAlarm(Date.now() + Math.min(...due))
  }

  /**
   * Runs the next page of the newest running preview; resolves to the delay before the next
   * preview page, or `null` when none runs. Previews run one at a time, each to its end: every
   * profile of a page fetches and compiles the preview's draft in its isolate, which keeps two
   * documents of the largest size compiled (`rules-of-version.ts`), so pages of several drafts at
   * once evicted one another and each was compiled again page after page. The newest goes first:
   * a user who edits a draft and previews it again waits for that one, not for the drafts before
   * it, which resume at their cursors when no newer preview runs.
   */
  private async previewPage(pause: number): Promise<number | null> {
    const id = this.previews.running().at(-1)
    if (id === undefined) return null
    const result = await this.previews.page(id)
    if (result === 'retry') return 1000 * 2 ** this.previews.attempts(id)
    return result === 'more' || this.previews.running().length ? pause : null
  }

  /** Sets the alarm at `at` unless it is set earlier already (backfill and previews share it). */
  private async wakeAt(at: number): Promise<void> {
    const set = await this.ctx.storage.getAlarm()
    if (set === null || at < set) await this.ctx.storage.setAlarm(at)
  }

  /**
   * Drops the publications older than the latest {@link KEPT_PUBLICATIONS}, except the latest
   * row of each version a running preview (its active side) or backfill reads: their profiles
   * fetch it by version (`text`) until they end. The active version is the latest row, always
   * kept. A preview's draft is kept with the preview itself, and a finished preview or backfill
   * reads nothing. Profiles whose snapshot names a dropped version need no text of it: they
   * restore under the active rules, as after any publication.
   */
  private prune(): void {
    const pinned = [...this.previews.runningActiveVersions(), ...this.backfill.runningVersions()]
    this.ctx.storage.sql.exec(
      `DELETE FROM versions
       WHERE id < (SELECT min(id) FROM (SELECT id FROM versions ORDER BY id DESC LIMIT ?))
         AND id NOT IN (SELECT max(id) FROM versions
                        WHERE version IN (SELECT value FROM json_each(?)) GROUP BY version)`,
      KEPT_PUBLICATIONS,
      JSON.stringify(pinned),
    )
  }

  /** Every kept publication (see `prune`), newest first: each can be rolled back to. */
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

/** The tag ids of a valid rules document's text, in document order. */
const tagIds = (text: string): string[] =>
  Object.keys((JSON.parse(text) as { tags?: Record<string, unknown> }).tags ?? {})
