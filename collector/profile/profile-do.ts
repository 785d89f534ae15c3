import { DurableObject } from 'cloudflare:workers'
import type {
  Explanation,
  Json,
  MetricValue,
  ProfileState,
  StateOptions,
  TagValue,
} from '../../rules/index.ts'
import { activeRules, activeRulesAt, type ActiveRules } from '../rules/active-rules.ts'
import type { Env } from '../env.ts'
import type { MergePayload, Routed } from './routed.ts'
import { CHECKPOINT_EVENTS, PROFILE_EVENTS_SHOWN } from '../limits.ts'
import type { PreparedEvent } from '../ingest/prepare-event.ts'
import { listProfile, unlistProfiles } from './directory.ts'
import { ProfileListing } from './listing.ts'
import { absorbProfile } from './merge.ts'
import { rebuildState } from './rebuild.ts'
import { TokenBuckets, type Rate } from '../auth/token-buckets.ts'
import { ProfileStore, type Forward, type TagHistoryEntry } from './store.ts'
import { Outbox } from '../export/outbox.ts'
import { removeFromIndex } from '../export/tag-index.ts'
import { tagChanges } from './tag-changes.ts'

/** What a profile did with a batch's events (positions index the events it was given). */
export interface IngestOutcome {
  accepted: number
  duplicates: number
  rejected: { position: number; error: string }[]
  /** Every tag the profile holds after the commit. */
  tags: Record<string, TagValue>
  /** Set when the profile is over its rate limit: nothing was stored, retry after this wait. */
  retryAfterMs?: number
}

/** Everything the admin API shows about a profile. */
export interface ProfileView {
  profile: string
  aliases: string[]
  traits: Record<string, Json>
  tags: Record<string, TagValue>
  metrics: Record<string, MetricValue>
  tagHistory: TagHistoryEntry[]
  /** The latest events by timestamp, newest first. */
  events: Json[]
  /** ISO-8601 instant `tags` and `metrics` were evaluated at. */
  evaluatedAt: string
  rulesVersion: string
}

/** What `rebuild` did: `forwarded` and `empty` profiles hold no data to rebuild. */
export type RebuildOutcome = 'rebuilt' | 'forwarded' | 'empty' | 'superseded'

/** The events table deduplicates by `messageId`, so the engine state need not remember ids. */
const STATE_OPTIONS: StateOptions = { maxMessageIds: 0 }
/** Messages per `sendBatch` (the queue takes at most 100 per call). */
const OUTBOX_PAGE = 100
/** How soon an outbox the queue refused is tried again, in ms. */
const OUTBOX_RETRY_MS = 30_000

/**
 * One profile (spec: collector.md, "Profiles"): a SQLite-backed Durable Object named by the
 * profile id. A batch is one storage transaction: new events are stored (their `messageId` is the
 * primary key, so retries are duplicates), counted into the engine state and the tags are
 * re-evaluated; changes go to the tag history, and an alarm at the engine's `nextChangeAt` records
 * changes that come with time alone. The stored events are the truth: the engine state is saved
 * as a checkpoint every `CHECKPOINT_EVENTS` events (and at once after a merge, a rebuild, a
 * prune or under new rules), and a restore replays the events stored after it.
 *
 * Identity merge: a profile merged into another keeps only a forward (`forwardTo`), and every
 * method then answers `{ forwardedTo }` so the Worker asks the target instead (`atProfile`). Its
 * data moves in two idempotent steps the Worker drives: the target `absorb`s the `mergePayload`,
 * then this profile is `releaseMerged`. A forward is set before the data moves, so no event can
 * land here after the payload was read.
 */
export class ProfileDO extends DurableObject<Env> {
  private readonly store: ProfileStore
  private readonly listing: ProfileListing
  private readonly outbox: Outbox
  /** The outbox drain under way, if any: one at a time, so no message is sent twice by this object. */
  private draining: Promise<void> | undefined
  private readonly limiter = new TokenBuckets(1)
  /** The engine state, restored lazily from the checkpoint and kept while the object lives. */
  private state: LiveState | undefined
  /** The directory write under way, if any: an erase waits for it before the route unlists. */
  private listingWrite: Promise<void> | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.store = new ProfileStore(ctx.storage.sql)
    this.listing = new ProfileListing(ctx.storage.sql)
    this.outbox = new Outbox(ctx.storage.sql)
  }

  /** Stores and counts a batch's events for `profile` (at most `rate`); resolves once committed. */
  async ingest(
    profile: string,
    events: PreparedEvent[],
    receivedAt: number,
    rate: Rate,
  ): Promise<Routed<IngestOutcome>> {
    const active = await activeRules(this.env)
    // Events are clamped to the Worker's receive time; never evaluate before it.
    const now = Math.max(Date.now(), receivedAt)
    const forward = this.store.forward()
    if (forward) return forwarded(forward)
    // One object per profile: its bucket is exact. In memory only: an evicted object was idle.
    const retryAfterMs = this.limiter.take('events', events.length, rate, now)
    if (retryAfterMs > 0)
      return { value: { accepted: 0, duplicates: 0, rejected: [], tags: {}, retryAfterMs } }
    const outcome = this.transaction(() => {
      this.store.setProfileId(profile)
      const live = this.stateFor(active)
      const { state } = live
      const result: IngestOutcome = { accepted: 0, duplicates: 0, rejected: [], tags: {} }
      let identified = false
      let listed = false
      // One statement per 25 events stores the new ones and tells which they are.
      const fresh = this.store.insertNewEvents(
        events.map(({ messageId, ts, event }) => ({ messageId, ts, receivedAt, event })),
      )
      const uncounted: string[] = []
      events.forEach(({ messageId, event }, position) => {
        // A second event with the same id in the batch is a duplicate too.
        if (!fresh.delete(messageId)) return void result.duplicates++
        const ingested = state.ingest(event)
        if (ingested.status !== 'counted') uncounted.push(messageId)
        if (ingested.status === 'rejected')
          return void result.rejected.push({ position, error: ingested.error })
        if (ingested.status === 'duplicate') return void result.duplicates++
        if (event.type === 'identify') identified = true
        result.accepted++
      })
      this.store.removeEvents(uncounted)
      if (result.accepted) {
        // The events are stored: the state is saved only every CHECKPOINT_EVENTS (a restore
        // replays the events after it), or at once when events it counts may have been pruned.
        const pruned = this.store.pruneEvents(now)
        live.unsaved += result.accepted
        if (pruned || live.unsaved >= CHECKPOINT_EVENTS) this.checkpoint(live)
        if (identified) this.store.saveTraits(state.traits())
        listed = this.listing.due(now)
      }
      const { tags, nextChangeAt } = this.record(state, now)
      result.tags = tags
      return { result, nextChangeAt, listed }
    })
    if (outcome.listed) this.list(profile, now)
    await this.schedule(outcome.nextChangeAt, now)
    return { value: outcome.result }
  }

  /** The profile's tags now (those of an empty profile if it has no events yet). */
  async tags(): Promise<Routed<Record<string, TagValue>>> {
    const active = await activeRules(this.env)
    const forward = this.store.forward()
    if (forward) return forwarded(forward)
    if (this.store.profileId() === undefined)
      return { value: active.rules.createState(STATE_OPTIONS).evaluate(Date.now()).tags }
    return { value: (await this.refresh(active, Date.now())).tags }
  }

  /** Everything about the profile, or `null` when it has no events. */
  async view(): Promise<Routed<ProfileView | null>> {
    const active = await activeRules(this.env)
    const forward = this.store.forward()
    if (forward) return forwarded(forward)
    const profile = this.store.profileId()
    if (profile === undefined) return { value: null }
    const now = Date.now()
    const { tags, metrics } = await this.refresh(active, now)
    const view: ProfileView = {
      profile,
      aliases: this.store.aliases(),
      traits: this.store.traits(),
      tags,
      metrics,
      tagHistory: this.store.tagHistory(),
      events: this.store.latestEvents(PROFILE_EVENTS_SHOWN),
      evaluatedAt: new Date(now).toISOString(),
      rulesVersion: active.version,
    }
    return { value: view }
  }

  /** Why `tag` has its value now, or `null` when the profile has no events. */
  async explain(tag: string): Promise<Routed<Explanation | null>> {
    const active = await activeRules(this.env)
    const forward = this.store.forward()
    if (forward) return forwarded(forward)
    if (this.store.profileId() === undefined) return { value: null }
    return { value: this.stateFor(active).state.explain(tag, Date.now()) }
  }

  /**
   * Erases everything the profile holds (events, state, tags, history, traits, alarm, forward) and
   * returns the ids merged into it, for the Worker to erase their forwards too.
   */
  async erase(): Promise<string[]> {
    const aliases = this.store.aliases()
    this.state = undefined
    this.listing.forget()
    await this.listingWrite
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
    this.store.migrate()
    return aliases
  }

  /**
   * Merges this profile (`self`) into `to` as of a link seen at `at` (epoch ms): sets the forward,
   * pending until the target has absorbed this profile. Idempotent: an existing forward is kept
   * and returned (the first link wins) and a link back to a profile merged into this one (a
   * cycle) is ignored (`null`).
   */
  async forwardTo(self: string, to: string, at: number): Promise<Forward | null> {
    return this.transaction(() => {
      const existing = this.store.forward()
      if (existing) {
        if (existing.to !== to && at < existing.at)
          console.warn(
            `tagwise: ${self} links to ${to} earlier than to ${existing.to}, kept: the first link received wins`,
          )
        return existing
      }
      if (to === self || this.store.hasAlias(to)) return null
      // Pending even without data: the target records the alias (erase, `aliases`) on absorb.
      const forward = { to, at, pending: true }
      this.store.setProfileId(self)
      this.store.setForward(forward)
      return forward
    })
  }

  /** The data to move to the forward's target, or `null` when it has moved already. */
  async mergePayload(): Promise<MergePayload | null> {
    const active = await activeRules(this.env)
    if (!this.store.forward()?.pending) return null
    const events = this.store.storedEvents()
    const hasState = events.length > 0 || this.store.snapshot() !== undefined
    return {
      events,
      // The whole state: the checkpoint with the events after it counted.
      snapshot: hasState
        ? { rulesVersion: active.version, snapshot: this.stateFor(active).state.snapshot() }
        : null,
      aliases: this.store.aliases(),
    }
  }

  /** Takes in profile `from`'s data (identity merge) unless it did already. */
  async absorb(self: string, from: string, payload: MergePayload): Promise<Routed<null>> {
    const active = await activeRules(this.env)
    const forward = this.store.forward()
    if (forward) return forwarded(forward)
    const now = Date.now()
    const done = this.transaction(() => {
      if (this.store.hasAlias(from)) return undefined
      this.store.setProfileId(self)
      if (!payload.snapshot && !payload.events.length) {
        // Nothing to count (the id was new): only the alias is recorded, no tag is re-evaluated.
        for (const alias of [from, ...payload.aliases]) this.store.addAlias(alias, now)
        return undefined
      }
      const live = this.stateFor(active)
      const { state } = live
      absorbProfile(this.store, state, active.rules, STATE_OPTIONS, from, payload, now)
      this.checkpoint(live)
      this.store.saveTraits(state.traits())
      return { ...this.record(state, now), listed: this.listing.due(now) }
    })
    if (done?.listed) this.list(self, now)
    if (done) await this.schedule(done.nextChangeAt, now)
    return { value: null }
  }

  /** Drops the data a merge moved away, keeping the forward. */
  async releaseMerged(): Promise<void> {
    const forward = this.store.forward()
    if (!forward?.pending) return
    this.state = undefined
    this.transaction(() => {
      this.store.clearData()
      this.store.setForward({ ...forward, pending: false })
    })
    await this.ctx.storage.deleteAlarm()
    // Changes committed before the merge still go out (the index then forgets this id).
    await this.drain()
    // A forward is no profile of its own: the directory and the tag index list the profile it
    // joined.
    const self = this.store.profileId()
    if (self !== undefined)
      await Promise.all([unlistProfiles(this.env.DB, [self]), removeFromIndex(this.env.DB, [self])])
  }

  /**
   * Rules backfill: rebuilds the engine state from the stored events under rules `version` (a
   * fresh state, events replayed in timestamp order within the retention period), then evaluates
   * and records tag changes as any evaluation does. Idempotent, so a backfill page that is retried
   * after a crash changes nothing twice. `superseded` when `version` is no longer active.
   */
  async rebuild(version: string): Promise<RebuildOutcome> {
    const active = await activeRulesAt(this.env, version)
    if (!active) return 'superseded'
    if (this.store.forward()) return 'forwarded'
    if (this.store.profileId() === undefined) return 'empty'
    const now = Date.now()
    const evaluation = this.transaction(() => {
      const state = rebuildState(this.store, active.rules, STATE_OPTIONS, now)
      this.state = { version: active.version, state, unsaved: 0 }
      this.checkpoint(this.state)
      this.store.saveTraits(state.traits())
      return this.record(state, now)
    })
    await this.schedule(evaluation.nextChangeAt, now)
    return 'rebuilt'
  }

  /** Time-driven tags: re-evaluates at the engine's `nextChangeAt` and records what changed. */
  override async alarm(): Promise<void> {
    // The alarm also retries an outbox the queue refused (see drain).
    await this.drain()
    if (this.store.profileId() === undefined || this.store.forward()) return
    await this.refresh(await activeRules(this.env), Date.now())
  }

  /** Evaluates at `now`, records tag changes, and sets the next alarm. */
  private async refresh(active: ActiveRules, now: number) {
    const evaluation = this.transaction(() => this.record(this.stateFor(active).state, now))
    await this.schedule(evaluation.nextChangeAt, now)
    return evaluation
  }

  /**
   * Evaluates `state` at `now` and applies tag changes to the tables, with their export messages
   * in the outbox (inside the caller's transaction).
   */
  private record(state: ProfileState, now: number) {
    const evaluation = state.evaluate(now)
    const changes = tagChanges(this.store.tags(), evaluation.tags)
    this.store.applyTagChanges(changes, now)
    const profile = this.store.profileId()
    if (changes.length && profile !== undefined)
      this.outbox.add(
        changes.map(({ tag, from, to }) => ({
          type: 'tag.changed',
          change: {
            id: crypto.randomUUID(),
            profile,
            tag,
            from,
            to,
            at: now,
            rulesVersion: this.state?.version ?? '',
          },
        })),
      )
    return evaluation
  }

  /**
   * Sends the outbox to the export queue, oldest first, and deletes what the queue accepted.
   * Runs after commits (never inside a transaction). When the queue refuses, the messages stay
   * and the alarm comes back within `OUTBOX_RETRY_MS` to try again, whatever else it waits for.
   */
  private drain(): Promise<void> {
    this.draining ??= (async () => {
      try {
        for (let rows = this.outbox.pending(OUTBOX_PAGE); rows.length;) {
          await this.env.TAG_CHANGES.sendBatch(rows.map(({ message }) => ({ body: message })))
          this.outbox.remove(rows[rows.length - 1]!.seq)
          rows = this.outbox.pending(OUTBOX_PAGE)
        }
      } catch (error) {
        console.warn('tagwise: the export queue refused tag changes; retrying by alarm:', error)
        const retryAt = Date.now() + OUTBOX_RETRY_MS
        const alarm = await this.ctx.storage.getAlarm()
        if (alarm === null || alarm > retryAt) await this.ctx.storage.setAlarm(retryAt)
      } finally {
        this.draining = undefined
      }
    })()
    return this.draining
  }

  /** Lists the profile in the directory after its commit, without holding up the answer. */
  private list(profile: string, now: number): void {
    const write = listProfile(this.env.DB, profile, now)
      .catch((error: unknown) => {
        console.warn(
          'tagwise: listing a profile in the directory failed, retried next commit:',
          error,
        )
        this.listing.retry()
      })
      .finally(() => {
        if (this.listingWrite === write) this.listingWrite = undefined
      })
    this.listingWrite = write
    this.ctx.waitUntil(write)
  }

  /** Sets the alarm at `nextChangeAt`, then drains the outbox without holding up the answer. */
  private async schedule(nextChangeAt: number | null, now: number): Promise<void> {
    if (nextChangeAt === null) await this.ctx.storage.deleteAlarm()
    else await this.ctx.storage.setAlarm(Math.max(nextChangeAt, now + 1))
    this.ctx.waitUntil(this.drain())
  }

  /**
   * Runs `body` as one storage transaction. A failure rolls the tables back, so the in-memory state,
   * which may hold half of the batch, is dropped and restored from the snapshot next time.
   */
  private transaction<T>(body: () => T): T {
    try {
      return this.ctx.storage.transactionSync(body)
    } catch (error) {
      this.state = undefined
      this.listing.forget()
      this.store.forget()
      throw error
    }
  }

  /** Saves the state (inside a transaction): a checkpoint that counts every stored event. */
  private checkpoint(live: LiveState): void {
    this.store.saveSnapshot(live.version, live.state.snapshot())
    live.unsaved = 0
  }

  /**
   * The engine state for the active rules: cached, else restored from the checkpoint with the
   * events stored after it replayed. A checkpoint saved under other rules is saved again on the
   * next commit.
   */
  private stateFor(active: ActiveRules): LiveState {
    if (this.state?.version === active.version) return this.state
    const saved = this.store.snapshot()
    let state: ProfileState
    let unsaved = 0
    try {
      state = saved
        ? active.rules.restore(saved.snapshot, STATE_OPTIONS)
        : active.rules.createState(STATE_OPTIONS)
      for (const event of this.store.eventsAfter(saved?.upTo ?? 0)) {
        state.ingest(event)
        unsaved++
      }
    } catch (error) {
      // An unreadable snapshot is rebuilt from the stored events rather than lost.
      console.warn('tagwise: rebuilding a profile state from its events:', error)
      state = active.rules.createState(STATE_OPTIONS)
      for (const event of this.store.eventsByTime()) state.ingest(event)
      unsaved = Infinity
    }
    if (saved?.rulesVersion !== active.version) unsaved = Infinity
    this.state = { version: active.version, state, unsaved }
    return this.state
  }
}

/** The engine state in memory. */
interface LiveState {
  version: string
  state: ProfileState
  /** Events counted since the last checkpoint (infinite: none was saved under `version`). */
  unsaved: number
}

const forwarded = (forward: Forward) => ({ forwardedTo: forward.to, pending: forward.pending })
