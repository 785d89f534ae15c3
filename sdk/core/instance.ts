import { asJson } from './as-json.ts'
import type { EventType, Json, TagValue } from '../../rules/index.ts'
import { version } from '../../package.json'
import type { Tagwise, UserProof } from './api.ts'
import { own } from '../../rules/device/index.ts'
import { compileDeviceRules, restorable } from './device-rules.ts'
import { createEarlyEvents } from './early-events.ts'
import { attribute, newIdentity, type Identity } from './identity.ts'
import { createLiveTags } from './live-tags.ts'
import type { ResolvedOptions } from './options.ts'
import { createPendingCalls } from './pending-calls.ts'
import { createPersistence } from './persistence.ts'
import type { Platform } from './platform.ts'
import { createQueue, type QueuedEvent } from './queue.ts'
import { fetchRules, type CachedRules, type Get } from './remote-rules.ts'
import { isDurableTags, storageKey, type PageBackup, type StateSnapshot } from './stored-formats.ts'
import { createTransport } from './transport.ts'
import { uuid } from './uuid.ts'

/** The fields of an event its call gives (the SDK adds messageId, timestamp and context). */
export interface EventFields {
  type: EventType
  [field: string]: unknown
}

/** An instance plus the hooks its platform layer drives. */
export interface Instance {
  _api: Tagwise
  /** The app came to the foreground or went to the background. */
  _visibility(visible: boolean): void
  /** The page is going away: persist and hand the queue to the beacon. */
  _leave(): void
  /** The network is back. */
  _online(): void
  /** Records an event of a type the API has no call for (the mini-program's `screen`). */
  _record(fields: EventFields): void
  _stop(): void
}

/** How long `ready` waits for rules that are not cached yet. */
const RULES_WAIT_MS = 3000

/**
 * Creates the platform-independent instance: identity, early events and pending calls, live tags,
 * persistence, queue and transport, behind the public API.
 */
export function createInstance(options: ResolvedOptions, platform: Platform): Instance {
  const { writeKey } = options
  const log = (...args: unknown[]): undefined => {
    if (options.debug) console.debug('[tagwise]', ...args)
  }
  /** `fn`, with its errors logged instead of thrown into the host page. */
  const safe =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R | undefined => {
      try {
        return fn(...args)
      } catch (error) {
        log(error)
      }
    }
  /** `GET /v1/<path>` with the write key as HTTP Basic username. */
  const get: Get = (path, headers) =>
    platform._request(`${options.endpoint}/v1/${path}`, {
      method: 'GET',
      // Built per request, inside its error handling: a browser without `btoa` still sends events.
      headers: { authorization: `Basic ${platform._base64(`${writeKey}:`)}`, ...headers },
    })

  let identity: Identity = newIdentity()
  /** identify/alias/reset changed who this is since the last save. */
  let renamed = false
  let granted = options.consent
  let ready = false
  const allowed = () => granted
  const sessionTimeoutMs = options.sessionTimeoutMinutes * 60_000

  const persistence = createPersistence(platform, writeKey)
  const live = createLiveTags(log, platform._visible())
  const queue = createQueue(
    platform._store,
    storageKey(writeKey, 'queue'),
    options.maxQueue,
    allowed,
    platform._backup && { _backup: platform._backup, _key: storageKey(writeKey, 'unsaved') },
  )
  const transport = createTransport({ ...options, platform, queue, allowed, log })
  const pending = createPendingCalls(options.maxQueue)
  const early = createEarlyEvents(platform._backup, storageKey(writeKey, 'early'))

  /** What the page persists: who this is, the device state and the durable tags, as they are now. */
  const records = (): PageBackup => ({
    user: identity,
    state: live._snapshot(),
    durable: live._durable,
  })

  let persisting = false
  /** Saves identity, device state and durable tags once per task, after the calls of that task. */
  function persistSoon(): void {
    if (persisting || !granted || !ready) return
    persisting = true
    void Promise.resolve().then(() => {
      persisting = false
      if (!granted) return
      persistence._save(records(), renamed)
      renamed = false
    })
  }
  live._on('change', persistSoon)
  transport._on('tags', ({ tags, batch }) => {
    // Tags of a batch sent before reset() belong to the previous person.
    const same = batch.every((event) => event.anonymousId === identity.anonymousId)
    if (same && isDurableTags(tags)) live._setDurable(tags)
  })

  /** Counts an event as who the person is now (identify and alias change who that is). */
  function count(event: QueuedEvent): void {
    if (attribute(identity, event, sessionTimeoutMs)) renamed = true
    live._ingest(event)
    if (!granted) return
    queue._push(event)
    transport._schedule()
    persistSoon()
  }

  /** Counts `event` once the instance is ready; until then it is an early event. */
  function countWhenReady(event: QueuedEvent): void {
    early._add(event)
    pending._defer(() => {
      early._counted(event)
      count(event)
    })
  }

  /** Runs `call` now, or when ready (calls made before are applied in order, up to `maxQueue`). */
  function whenReady(call: () => void): void {
    if (ready) call()
    else if (!pending._full()) pending._defer(call)
  }

  /** Records an event; `userHash` proves the userId an identify or alias names (identity.ts). */
  function record(fields: EventFields, userHash?: string): void {
    const event: QueuedEvent = {
      ...asJson(fields),
      type: fields.type,
      messageId: uuid(),
      timestamp: new Date().toISOString(),
      context: {
        ...platform._context(),
        library: { name: 'tagwise', version },
        ...(userHash !== undefined ? { userHash } : {}),
      },
    }
    if (ready) count(event)
    else if (!pending._full()) countWhenReady(event)
  }
  // What pages that went away before they were ready left: counted first, as early events.
  for (const event of early._takeLeftovers()) countWhenReady(event)

  async function refreshTags(): Promise<void> {
    if (!granted) return
    // Built by hand: mini-program runtimes have no URLSearchParams.
    let query = `anonymousId=${encodeURIComponent(identity.anonymousId)}`
    if (identity.userId !== undefined) query += `&userId=${encodeURIComponent(identity.userId)}`
    if (identity.userHash !== undefined)
      query += `&userHash=${encodeURIComponent(identity.userHash)}`
    const response = await get(`tags?${query}`)
    if (response.status !== 200) return
    const { tags } = (await response.json()) as { tags?: unknown }
    if (isDurableTags(tags)) live._setDurable(tags)
  }

  /** Compiles `rules` and evaluates them from `snapshot`; caches them when they are new. */
  async function loadRules(rules: CachedRules, snapshot?: StateSnapshot, cache = false) {
    try {
      live._setRules(await compileDeviceRules(rules), rules.document, await restorable(snapshot))
      if (cache && granted) persistence._saveRules(rules)
    } catch (error) {
      log('rules not loaded', error)
    }
  }

  /** Loads the rules given inline, or the cached ones and then the collector's newer ones. */
  async function loadAnyRules(cached: CachedRules | undefined, snapshot?: StateSnapshot) {
    if (options.rules !== 'remote') return loadRules({ document: options.rules }, snapshot)
    const remote = fetchRules(get, cached)
    // Cached rules make the tags available before any request; a new version replaces them
    // (after them, so an older version never lands last). Without a cache, `ready` waits for the
    // rules a little, not forever: events that come before them are counted when they arrive.
    const fromCache = cached && loadRules(cached, snapshot)
    const fresh = Promise.all([remote, fromCache]).then(([rules]) =>
      rules && rules !== cached ? loadRules(rules, live._snapshot() ?? snapshot, true) : undefined,
    )
    if (fromCache) await fromCache
    else await Promise.race([fresh, new Promise((resolve) => setTimeout(resolve, RULES_WAIT_MS))])
  }

  async function start(): Promise<void> {
    const restored = await persistence._restore()
    if (restored.identity) identity = restored.identity
    // A new person: ids made before the host's secure random bytes were there are not theirs.
    else if (platform._randomReady) {
      await platform._randomReady
      identity = newIdentity()
    }
    if (restored.fromBackup) renamed = true
    if (restored.durable) live._setDurable(restored.durable)
    if (granted) await queue._load()
    await loadAnyRules(restored.rules, restored.snapshot)
    ready = true
    // The backup is taken: the asynchronous store gets its newer data.
    if (restored.fromBackup) persistSoon()
    // This page went away and came back: it counts the events it left itself, and those another
    // page that went away since left with them.
    if (early._left()) for (const event of early._takeLeftovers()) countWhenReady(event)
    for (const call of pending._take()) safe(call)()
    if (queue._items.length) transport._schedule()
    void refreshTags().catch(log)
  }
  const started = start().catch(log)

  // The public API. Calls that only read plain data or hand work to promises need no `safe`: they
  // cannot throw.
  function page(properties?: Record<string, Json>): void {
    const current = platform._context().page
    const context = typeof current === 'object' ? current : undefined
    record({ type: 'page', properties: { ...context, ...properties } })
  }
  function track(event: string, properties?: Record<string, Json>): void {
    if (typeof event !== 'string' || !event) return log('track needs an event name')
    record({ type: 'track', event, properties: { ...properties } })
  }
  function identify(
    userIdOrTraits?: string | Record<string, Json>,
    traits?: Record<string, Json>,
    proof?: UserProof,
  ): void {
    // identify(traits)
    const named = typeof userIdOrTraits !== 'object' || userIdOrTraits === null
    const userId = named ? userIdOrTraits : undefined
    // A hash proves a userId: without one it proves nothing.
    record(
      {
        type: 'identify',
        traits: { ...(named ? traits : userIdOrTraits) },
        ...(userId !== undefined ? { userId: String(userId) } : {}),
      },
      userId !== undefined ? proof?.userHash : undefined,
    )
  }
  function alias(userId: string, proof?: UserProof): void {
    record({ type: 'alias', userId: String(userId) }, proof?.userHash)
  }
  function reset(): void {
    whenReady(() => {
      identity = newIdentity()
      renamed = true
      live._reset()
      if (granted) persistence._deleteState()
      persistSoon()
    })
  }
  function value(tag: string): TagValue | undefined {
    // Own properties only: `has('toString')` is no tag.
    return own(live._current, tag)
  }
  /** Applies a consent decision, this page's own or another page's of the site (browser/shared-consent.ts). */
  function applyConsent(yes: boolean): void {
    const was = granted
    granted = yes
    // Everything stored goes; the queue also empties in memory (what was counted stays counted).
    if (!granted) {
      void queue._clear()
      persistence._erase()
    } else if (!was && ready) {
      persistSoon()
      // The queue of an earlier page that had consent (a site that starts with consent off
      // until its consent tool answers must not lose it).
      void queue._load().then(() => transport._schedule())
    }
  }

  const decideConsent = platform._shareConsent
    ? platform._shareConsent(writeKey, safe(applyConsent))
    : applyConsent

  const api: Tagwise = {
    page: safe(page),
    track: safe(track),
    identify: safe(identify),
    alias: safe(alias),
    reset: safe(reset),
    tags: () => ({ ...live._current }),
    has: (tag) => api.value(tag) !== undefined,
    value: safe(value),
    on: (type, listener) =>
      type === 'change' && typeof listener === 'function'
        ? live._on('change', listener)
        : () => undefined,
    explain: (tag) => live._explain(tag).catch(log),
    queued: () => ({ events: queue._items.length, dropped: queue._dropped }),
    user: () => ({
      anonymousId: identity.anonymousId,
      ...(identity.userId !== undefined ? { userId: identity.userId } : {}),
      sessionId: identity.sessionId,
    }),
    // Sending to a channel the page closed (an aborted instance) throws.
    consent: safe((yes) => decideConsent(yes !== false)),
    flush: () => started.then(() => transport._flush()).catch(log),
    ready: started,
  }

  /** The page goes away: what is not saved yet goes to the synchronous backup. */
  function leave(): void {
    persistSoon()
    if (granted)
      if (ready) {
        persistence._writeBackup(records())
        queue._leave()
      } else early._leave()
    transport._beacon()
  }

  const instance: Instance = {
    _api: api,
    _visibility: safe((visible) => {
      live._visibility(visible)
      if (!visible) instance._leave()
    }),
    _leave: safe(leave),
    _online: transport._online,
    _record: safe(record),
    _stop: () => {
      transport._stop()
      live._stop()
    },
  }
  return instance
}
