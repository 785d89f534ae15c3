import { DurableObject } from 'cloudflare:workers'
import type { Explanation, Json, MetricValue, ProfileState, TagValue } from '../../rules/index.ts'
import { TokenBuckets, type Rate } from '../auth/token-buckets.ts'
import type { Env } from '../env.ts'
import { tagChangedMessages } from '../export/message.ts'
import { Outbox } from '../export/outbox.ts'
import type { PreparedEvent } from '../ingest/prepare-event.ts'
import { CHECKPOINT_EVENTS, MAX_MERGED_IDS, PROFILE_EVENTS_SHOWN } from '../limits.ts'
import { activeRules, activeRulesAt, type ActiveRules } from '../rules/active-rules.ts'
import { rulesOfVersion } from '../rules/rules-of-version.ts'
import { unlistProfiles } from './directory.ts'
import { ErasureMark } from './erasure-mark.ts'
import { forgetTagErrorsStatement, ProfileTagErrors, reportTagErrors } from './tag-errors.ts'
import { ProfileListing } from './listing.ts'
import { ProfileAlarm } from './profile-alarm.ts'
import { checkpoint, restoreState, STATE_OPTIONS, type LiveState } from './live-state.ts'
import type { StoredEvent } from './event-store.ts'
import {
  absorbProfile,
  MERGE_PAGE_CHARS,
  MERGE_PAGE_EVENTS,
  type MergeEventsPage,
  type MergePayload,
} from './merge.ts'
import { rebuildState, rebuiltStateReadOnly } from './rebuild.ts'
import type { Forwarded, Routed } from './routed.ts'
import { storeBatch } from './store-batch.ts'
import { ProfileStore, type Forward } from './store.ts'
import { profileStub } from './stub.ts'
import { tagChanges } from './tag-changes.ts'
import type { TagHistoryEntry } from './tag-store.ts'

/** How soon a merged profile tries again to leave the directory when D1 failed, in ms. */
const UNLIST_RETRY_MS = 30_000

/** What a profile did with a batch's events (positions index the events it was given). */
export interface IngestOutcome {
  accepted: number
  duplicates: number
  rejected: { position: number; error: string }[]
  /** Every tag the profile holds after the commit. */
  tags: Record<string, TagValue>
  /**
   * Set when the profile is over its rate limit, or is new while its sender may create no new
   * profile: nothing was stored, retry after this wait.
   */
  retryAfterMs?: number
  /** `true` when this call created the profile (its first write). */
  created?: boolean
  /** `true` when `retryAfterMs` is the sender's budget of new profiles, not the profile's. */
  newProfile?: boolean
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
/** What `absorb` did with a merged profile (see there). */
export type Absorbed = 'created' | 'joined' | 'refused'

export type RebuildOutcome = 'rebuilt' | 'forwarded' | 'empty' | 'superseded'

/**
 * What `preview` found: the tags under each version asked about, in their order, or why there
 * are none (`forwarded` and `empty` profiles hold no data; `unknown` names a version the rules
 * object does not know).
 */
export type PreviewOutcome =
  { tags: Record<string, TagValue>[] } | 'forwarded' | 'empty' | { unknown: string }

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
 * data moves in idempotent steps the Worker drives: the target stages its events page by page
 * (`mergeEvents`, `stageMerge`), `absorb`s the `mergePayload`, then this profile is `releaseMerged`. A forward is set before the data moves, so no event can
 * land here after the payload was read.
 */
export class ProfileDO extends DurableObject<Env> {
  private readonly store: ProfileStore
  private readonly listing: ProfileListing
  private readonly outbox: Outbox
  private readonly erasure: ErasureMark
  private readonly tagErrors: ProfileTagErrors
  private readonly alarms: ProfileAlarm
  private readonly limiter = new TokenBuckets(1)
  /** The engine state, restored lazily from the checkpoint and kept while the object lives. */
  private state: LiveState | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.store = new ProfileStore(ctx.storage.sql)
    this.listing = new ProfileListing(this.store.meta)
    this.outbox = new Outbox(ctx.storage.sql)
    this.erasure = new ErasureMark(this.store.meta)
    this.tagErrors = new ProfileTagErrors(this.store.meta)
    this.alarms = new ProfileAlarm(ctx.storage)
    // Before any call: a commit then moves its alarm in its own turn, and only when it changes.
    void ctx.blockConcurrencyWhile(() => this.alarms.load())
  }

  /** Stores and counts a batch's events for `profile` (at most `rate`); resolves once committed. */
  async ingest(
    profile: string,
    events: PreparedEvent[],
    receivedAt: number,
    rate: Rate,
    createWaitMs = 0,
  ): Promise<Routed<IngestOutcome>> {
    const active = await activeRules(this.env)
    // Never evaluate before the Worker's receive time: the events received count by then.
    const now = Math.max(Date.now(), receivedAt)
    const forward = this.store.forward()
    if (forward) return forwarded(forward)
    // One object per profile: its bucket is exact. In memory only: an evicted object was idle.
    const created = this.store.profileId() === undefined
    // A new profile waits while its sender's budget of new profiles is spent (`createWaitMs`).
    if (created && createWaitMs > 0)
      return {
        value: {
          accepted: 0,
          duplicates: 0,
          rejected: [],
          tags: {},
          retryAfterMs: createWaitMs,
          newProfile: true,
        },
      }
    const retryAfterMs = this.limiter.take('events', events.length, rate, now)
    if (retryAfterMs > 0)
      return { value: { accepted: 0, duplicates: 0, rejected: [], tags: {}, retryAfterMs } }
    const outcome = this.transaction(() => {
      this.store.setProfileId(profile)
      const live = this.stateFor(active, now)
      const { identified, ...count } = storeBatch(this.store.events, live.state, events, receivedAt)
      let listed = false
      if (count.accepted) {
        // The events are stored: the state is saved only every CHECKPOINT_EVENTS (a restore
        // replays the events after it), or at once when events it counts may have been pruned.
        const pruned = this.store.events.pruneAfterBatch(now)
        live.unsaved += count.accepted
        if (pruned || live.unsaved >= CHECKPOINT_EVENTS) checkpoint(this.store, live)
        if (identified) this.store.saveTraits(live.state.traits())
        listed = this.listing.due(now)
      } else listed = this.listing.retryDue(now)
      const { tags, nextChangeAt } = this.record(live.state, now)
      return { result: { ...count, tags, ...(created ? { created } : {}) }, nextChangeAt, listed }
    })
    await this.schedule(outcome.nextChangeAt, now)
    // A new profile's first listing is written before the answer (after the alarm, which a
    // refused write moves earlier for its retry): in the background, an object shut down right
    // after answering (pending I/O does not keep it alive before compatibility date 2026-10-01)
    // would leave a profile with no later commit or alarm out of the directory.
    if (outcome.listed && created) await this.list(profile, now)
    else if (outcome.listed) this.ctx.waitUntil(this.list(profile, now))
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
      tagHistory: this.store.tags.history(),
      events: this.store.events.latest(PROFILE_EVENTS_SHOWN),
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
    const now = Date.now()
    return { value: this.stateFor(active, now).state.explain(tag, now) }
  }

  /**
   * Erases everything the profile holds (events, state, tags, history, traits, alarm, forward, and
   * the outbox of changes not yet exported) and returns the ids merged into it, for the Worker to
   * erase their forwards too. Keeps only the time of the erasure (`ErasureMark`).
   */
  async erase(): Promise<string[]> {
    const aliases = this.store.aliases()
    this.state = undefined
    await this.listing.settled()
    // Deleted whatever time it is known to hold: nothing of the profile may run after its erasure.
    this.alarms.forget()
    await this.alarms.delete()
    await this.ctx.storage.deleteAll()
    this.store.migrate()
    this.erasure.mark(Date.now())
    return aliases
  }

  /**
   * A merge into this profile that was pending when it was erased completes: the merged ids
   * (`ids`) belong to the erased person, so their data is erased instead of taken in, and their
   * erasure announced like the person's.
   */
  private async eraseMerged(ids: readonly string[], now: number): Promise<void> {
    await Promise.all(ids.map((id) => profileStub(this.env, id).erase()))
    await unlistProfiles(this.env.DB, ids)
    this.transaction(() =>
      this.outbox.add(
        ids.map((id) => ({
          type: 'profile.deleted',
          deletion: { id: crypto.randomUUID(), profile: id, at: now },
        })),
      ),
    )
    this.ctx.waitUntil(this.drain())
  }

  /**
   * Merges this profile (`self`) into `to` as of a link seen at `at` (epoch ms): sets the forward,
   * pending until the target has absorbed this profile. Idempotent: an existing forward is kept
   * and returned (the first link wins) and a link back to a profile merged into this one (a
   * cycle) is ignored (`null`), as is a link `dropForward` refused. A profile never written is
   * made here (`created`), only when its sender may make one (`createWaitMs` 0, as for `ingest`),
   * else nothing is written (`waitMs`): a link makes an object as an event does.
   */
  async forwardTo(
    self: string,
    to: string,
    at: number,
    createWaitMs = 0,
  ): Promise<(Forward & { created?: true }) | { waitMs: number } | null> {
    return this.transaction(() => {
      const existing = this.store.forward()
      if (existing) {
        if (existing.to !== to && at < existing.at)
          console.warn(
            `tagwise: ${self} links to ${to} earlier than to ${existing.to}, kept: the first link received wins`,
          )
        return existing
      }
      // A link back to a profile merged into this one, or one refused for closing a loop.
      if (to === self || this.store.hasAlias(to) || this.store.refused(to)) return null
      const created = this.store.profileId() === undefined
      if (created && createWaitMs > 0) return { waitMs: createWaitMs }
      // Pending even without data: the target records the alias (erase, `aliases`) on absorb.
      const forward = { to, at, pending: true }
      this.store.setProfileId(self)
      this.store.setForward(forward)
      return created ? { ...forward, created } : forward
    })
  }

  /**
   * What the forward's target takes in besides the events (which move first, by `mergeEvents`), or
   * `null` when the data has moved already.
   */
  async mergePayload(): Promise<MergePayload | null> {
    const active = await activeRules(this.env)
    const forward = this.store.forward()
    if (!forward?.pending) return null
    const events = this.store.events.count()
    const hasState = events > 0 || this.store.snapshot() !== undefined
    return {
      events,
      // The whole state: the checkpoint with the events after it counted.
      snapshot: hasState
        ? {
            rulesVersion: active.version,
            snapshot: this.stateFor(active, Date.now()).state.snapshot(),
          }
        : null,
      aliases: this.store.aliases(),
      linkedAt: forward.at,
    }
  }

  /** A page of the events to move to the forward's target, or `null` when they have moved. */
  async mergeEvents(after: number): Promise<MergeEventsPage | null> {
    if (!this.store.forward()?.pending) return null
    return this.store.events.page(after, MERGE_PAGE_EVENTS, MERGE_PAGE_CHARS)
  }

  /** Takes in a page of profile `from`'s events ahead of its merge (`absorb`) unless it did already. */
  async stageMerge(self: string, from: string, events: StoredEvent[]): Promise<Routed<null>> {
    const forward = this.store.forward()
    if (forward) return forwarded(forward)
    if (from === self) return { value: null }
    this.transaction(() => {
      if (this.store.hasAlias(from)) return
      // The tables, not the profile: until `absorb` takes the events in, this profile may hold
      // nothing (a target erased while the merge was pending erases them instead).
      if (!this.store.hasSchema()) this.store.migrate()
      this.store.merging.stage(from, events)
    })
    return { value: null }
  }

  /**
   * Breaks a loop of forwards at this profile (see `follow-forwards.ts`): drops its forward if it
   * is still the link to `to` set at `at`, and refuses that link from then on. The profile is a
   * profile of its own again, with its data (a forward in a loop never moved it: no profile of the
   * loop could absorb it), and the others of the loop merge into it. Idempotent.
   */
  async dropForward(self: string, to: string, at: number): Promise<boolean> {
    return this.transaction(() => {
      const forward = this.store.forward()
      if (forward?.to !== to || forward.at !== at) return false
      console.warn(`tagwise: ${self} → ${to} closed a loop of forwards: that link is refused`)
      this.store.dropForward()
      return true
    })
  }

  /**
   * Takes in profile `from`'s data (identity merge) unless it did already: `created` when this
   * made the profile (its first write: a merge into a user never seen before makes its object),
   * `joined` otherwise, and `refused` when the person would hold more than `MAX_MERGED_IDS` ids
   * (`from` and the ids merged into it count): the events staged here are forgotten, and `from`,
   * which still holds its data, drops its forward (`dropForward`).
   */
  async absorb(self: string, from: string, payload: MergePayload): Promise<Routed<Absorbed>> {
    // A merge that reached its own source: a loop was broken at `from`, which keeps its data.
    if (from === self) return { value: 'joined' }
    const active = await activeRules(this.env)
    const forward = this.store.forward()
    if (forward) return forwarded(forward)
    const now = Date.now()
    if (
      payload.linkedAt !== undefined &&
      this.store.hasSchema() &&
      !this.store.hasAlias(from) &&
      this.erasure.covers(payload.linkedAt)
    ) {
      await this.eraseMerged([from, ...payload.aliases], now)
      this.transaction(() => this.store.merging.forget(from))
      return { value: 'joined' }
    }
    const created = this.store.profileId() === undefined
    const full = this.transaction(() => {
      if (this.store.hasAlias(from)) return false
      if (this.store.aliasCount() + 1 + payload.aliases.length <= MAX_MERGED_IDS) return false
      this.store.merging.forget(from)
      return true
    })
    if (full) {
      console.warn(
        `tagwise: ${from} stays a profile of its own: merged into ${self} it would make a person of more than ${MAX_MERGED_IDS} ids`,
      )
      return { value: 'refused' }
    }
    const done = this.transaction(() => {
      if (this.store.hasAlias(from)) return undefined
      this.store.setProfileId(self)
      if (!payload.snapshot && payload.events === 0) {
        // Nothing to count (the id was new): only the alias is recorded, no tag is re-evaluated.
        for (const alias of [from, ...payload.aliases]) this.store.addAlias(alias, now)
        return undefined
      }
      const live = this.stateFor(active, now)
      const { state } = live
      absorbProfile(this.store, state, active.rules, STATE_OPTIONS, from, payload, now)
      checkpoint(this.store, live)
      this.store.saveTraits(state.traits())
      return { ...this.record(state, now), listed: this.listing.due(now) }
    })
    if (done) await this.schedule(done.nextChangeAt, now)
    // Not in the background, as a new profile's first listing (see ingest).
    if (done?.listed) await this.list(self, now)
    return { value: created && this.store.profileId() !== undefined ? 'created' : 'joined' }
  }

  /**
   * Drops the data a merge moved away, keeping the forward. A profile that exported tag changes
   * queues a `profile.merged` notice in the same transaction, behind them: the export consumer
   * then forgets it in the tag index and the change log, and drops any of its changes the queue
   * delivers later (`export/tombstones.ts`), so audiences and the catalog count the person once.
   */
  async releaseMerged(): Promise<void> {
    const forward = this.store.forward()
    if (!forward?.pending) return
    this.state = undefined
    this.transaction(() => {
      const self = this.store.profileId()
      const [lastChange] = this.store.tags.history(1)
      if (self !== undefined && lastChange)
        this.outbox.add([
          {
            type: 'profile.merged',
            // No earlier than its last change: the Worker's receive time may have dated that one.
            merge: {
              id: crypto.randomUUID(),
              profile: self,
              into: forward.to,
              at: Math.max(Date.now(), Date.parse(lastChange.at)),
            },
          },
        ])
      this.store.clearData()
      this.store.setForward({ ...forward, pending: false })
      this.store.setListedAfterMerge(true)
    })
    await this.alarms.delete()
    // The changes committed before the merge go out, then the notice.
    await this.drain()
    await this.unlistMerged()
  }

  /**
   * A forward is no profile of its own: the directory lists the profile it joined, so it forgets
   * this id (the tag index does by the `profile.merged` notice). Nothing else would retry it (the
   * merge is no longer pending): when D1 fails, the alarm tries again within `UNLIST_RETRY_MS`,
   * and the merge still succeeds.
   */
  private async unlistMerged(): Promise<void> {
    const self = this.store.profileId()
    if (self === undefined || !this.store.listedAfterMerge()) return
    // A listing of an earlier commit still under way would land after the unlisting and list
    // the forward again (the catalog then counted the person twice): it goes first.
    await this.listing.settled()
    try {
      await Promise.all([
        unlistProfiles(this.env.DB, [self]),
        forgetTagErrorsStatement(this.env.DB, [self]).run(),
      ])
      this.store.setListedAfterMerge(false)
    } catch (error) {
      console.warn('tagwise: unlisting a merged profile failed; retrying by alarm:', error)
      await this.alarms.set(Date.now() + UNLIST_RETRY_MS)
    }
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
      checkpoint(this.store, this.state)
      this.store.saveTraits(state.traits())
      return this.record(state, now)
    })
    await this.schedule(evaluation.nextChangeAt, now)
    return 'rebuilt'
  }

  /**
   * Rules preview: the tags `rebuild` would record under each of `versions` (published versions
   * or preview drafts, `rulesOfVersion`), evaluated now from the stored events, read-only. It
   * writes nothing: no prune (`rebuiltStateReadOnly`), no checkpoint, no tag change, history or
   * outbox message, no alarm, no directory listing, and the live state is left as it was.
   */
  async preview(versions: readonly string[]): Promise<PreviewOutcome> {
    const rules = await Promise.all(versions.map((version) => rulesOfVersion(this.env, version)))
    const missing = rules.indexOf(undefined)
    if (missing >= 0) return { unknown: versions[missing]! }
    if (this.store.forward()) return 'forwarded'
    if (this.store.profileId() === undefined) return 'empty'
    const now = Date.now()
    return {
      tags: rules.map(
        (compiled) =>
          rebuiltStateReadOnly(this.store, compiled!, STATE_OPTIONS, now).evaluate(now, {
            nextChangeAt: false,
          }).tags,
      ),
    }
  }

  /** Time-driven tags: re-evaluates at the engine's `nextChangeAt` and records what changed. */
  override async alarm(): Promise<void> {
    this.alarms.fired()
    if (!this.store.hasSchema()) return
    // The alarm also retries an outbox the queue refused (see drain), reading it whatever the
    // object's drains found before.
    await this.drain({ reread: true })
    if (this.store.forward()) return this.unlistMerged()
    const profile = this.store.profileId()
    if (profile === undefined) return
    const now = Date.now()
    const active = await activeRules(this.env)
    // Events past the retention period go even when no batch comes to drop them (the alarm is
    // set by then: `schedule`). The state counts them: it is saved at once, as after a batch.
    this.transaction(() => {
      const live = this.stateFor(active, now)
      if (this.store.events.prune(now)) checkpoint(this.store, live)
    })
    await this.refresh(active, now)
    // A listing D1 refused (see ProfileListing): this alarm may be its retry. After the refresh,
    // whose new alarm (or none) must not replace the one a failed retry sets.
    if (this.listing.retryDue(now)) await this.list(profile, now)
  }

  /** Evaluates at `now`, records tag changes, and sets the next alarm. */
  private async refresh(active: ActiveRules, now: number) {
    const evaluation = this.transaction(() => this.record(this.stateFor(active, now).state, now))
    await this.schedule(evaluation.nextChangeAt, now)
    return evaluation
  }

  /**
   * Evaluates `state` at `now` and applies tag changes to the tables, with their export messages
   * in the outbox (inside the caller's transaction).
   */
  private record(state: ProfileState, now: number) {
    const evaluation = state.evaluate(now)
    const changes = tagChanges(this.store.tags.current(), evaluation.tags)
    this.store.tags.apply(changes, now)
    const profile = this.store.profileId()
    if (changes.length && profile !== undefined)
      this.outbox.add(tagChangedMessages(profile, changes, now, this.state?.version ?? ''))
    const errors = evaluation.errors ?? {}
    if (profile !== undefined && this.tagErrors.changed(errors))
      // After the commit, as the directory listing: a lost write is redone by the next change.
      this.ctx.waitUntil(
        reportTagErrors(this.env.DB, profile, errors, now).catch((error: unknown) =>
          console.error('tagwise: reporting tag errors failed:', error),
        ),
      )
    return evaluation
  }

  /** Sends committed tag changes to the export queue (see `Outbox.drain`). */
  private drain(options?: { reread: boolean }): Promise<void> {
    return this.outbox.drain(this.env.TAG_CHANGES, this.alarms, options)
  }

  /** Lists the profile in the directory after its commit (never rejects; see ProfileListing). */
  private list(profile: string, now: number): Promise<void> {
    return this.listing.list(this.env.DB, profile, now, this.alarms)
  }

  /**
   * Moves the alarm to `nextChangeAt` or to when the oldest stored event expires, whichever comes
   * first (a write only when it changes: `ProfileAlarm`), then drains the outbox without holding
   * up the answer.
   */
  private async schedule(nextChangeAt: number | null, now: number): Promise<void> {
    const next = Math.min(nextChangeAt ?? Infinity, this.store.events.expiresAt() ?? Infinity)
    if (next === Infinity) await this.alarms.delete()
    else await this.alarms.set(Math.max(next, now + 1))
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
      this.store.forget()
      throw error
    }
  }

  /** The engine state for the active rules: cached while the object lives, else restored at `now`. */
  private stateFor(active: ActiveRules, now: number): LiveState {
    if (this.state?.version !== active.version) this.state = restoreState(this.store, active, now)
    return this.state
  }
}

const forwarded = (forward: Forward): Forwarded => ({
  forwardedTo: forward.to,
  at: forward.at,
  pending: forward.pending,
})
