import type { StateSnapshot, TagValue } from '../../rules/index.ts'
import type { Tagwise } from './api.ts'
import type { ResolvedOptions } from './options.ts'
import type { Platform } from './platform.ts'
import { createQueue, type QueuedEvent } from './queue.ts'
import { addRare } from '../../rules/rare.ts'
import { own } from '../../rules/state-data.ts'
import { fetchRules, type CachedRules, type Get } from './remote-rules.ts'
import { newIdentity, touchSession, type Identity } from './identity.ts'
import { createLiveTags, type TagChange } from './live-tags.ts'
import { createTransport } from './transport.ts'
import { uuid } from './uuid.ts'
import { version } from '../../package.json'

/** An instance plus the hooks its platform layer drives. */
export interface Core {
  api: Tagwise
  /** The app came to the foreground or went to the background. */
  visibility(visible: boolean): void
  /** The page is going away: persist and hand the queue to the beacon. */
  leave(): void
  /** The network is back. */
  online(): void
  /** Records an event of a type the API has no call for (the mini-program's `screen`). */
  emit(fields: Fields): void
  stop(): void
}

type Fields = { type: string } & Record<string, unknown>

/** `false` in builds that load the rare features lazily (see rules/rare.ts). */
declare const __TAGWISE_RARE__: boolean | undefined

/** How long `ready` waits for rules that are not cached yet. */
const RULES_WAIT_MS = 3000

/** What a page leaves in the platform's synchronous backup as it goes away. */
interface Backup {
  user: Identity
  state: StateSnapshot | undefined
  durable: Record<string, TagValue>
}

/** Creates the platform-independent instance: identity, engine, queue and transport. */
export function createCore(options: ResolvedOptions, platform: Platform): Core {
  const { store, context } = platform
  const key = (name: string) => `${options.writeKey}:${name}`
  const log = (...args: unknown[]): undefined => {
    if (options.debug) console.debug('[tagwise]', ...args)
  }
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
    platform.request(`${options.endpoint}/v1/${path}`, {
      method: 'GET',
      // Built per request, inside its error handling: a browser without `btoa` still sends events.
      headers: { authorization: `Basic ${platform.base64(`${options.writeKey}:`)}`, ...headers },
    })
  let identity: Identity = newIdentity()
  let granted = options.consent
  let ready = false
  const listeners = new Set<(changes: TagChange[]) => void>()
  const sessionMs = options.sessionTimeoutMinutes * 60_000

  const live = createLiveTags(
    (changes) => {
      for (const listener of [...listeners]) safe(listener)(changes)
      persist()
    },
    log,
    platform.visible(),
  )
  let durable: Record<string, TagValue> = {}
  /** Takes the edge's latest tags; anything but an object (storage, responses) is ignored. */
  const setDurable = (tags: unknown) => {
    if (tags && typeof tags === 'object') live.setDurable((durable = tags as typeof durable))
  }

  let persisting = false
  /** identify/alias/reset changed who this is since the last write. */
  let renamed = false
  /** Writes identity, device state and durable tags once per task, after the calls of that task. */
  const persist = () => {
    if (persisting || !granted || !ready) return
    persisting = true
    void Promise.resolve().then(() => {
      persisting = false
      if (!granted) return
      const mine = identity
      const named = renamed
      renamed = false
      // Other tabs write the same record: unless this tab changed who the person is, keep who the
      // record says (another tab may have identified them) and take the newest session.
      void store.update<Identity>(key('user'), (stored) =>
        !stored?.anonymousId || named
          ? mine
          : mine.lastActivity >= stored.lastActivity
            ? { ...stored, sessionId: mine.sessionId, lastActivity: mine.lastActivity }
            : stored,
      )
      void store.set(key('durable'), durable)
      const snapshot = live.snapshot()
      if (snapshot) void store.set(key('state'), snapshot)
    })
  }

  const allowed = () => granted
  const queue = createQueue(store, key('queue'), options.maxQueue, allowed)
  const transport = createTransport({
    ...options,
    platform,
    queue,
    allowed,
    onTags: (tags, batch) => {
      // Tags of a batch sent before reset() belong to the previous person.
      if (batch.every((e) => e.anonymousId === identity.anonymousId)) setDurable(tags)
    },
    log,
  })

  /**
   * Calls and events made before `ready`, applied in order when it is (up to `maxQueue`). Its
   * events are not counted yet: a page that goes away before it is ready leaves them in the
   * synchronous backup, and the next page takes them as it starts (before it has any of its own)
   * and counts them first, as its own early events.
   */
  const pending: (QueuedEvent | (() => void))[] = []
  const early = () => pending.filter((item): item is QueuedEvent => typeof item === 'object')
  let leftEarly = false
  /** Applies `item` now, or when ready. */
  const whenReady = (item: QueuedEvent | (() => void)) => {
    if (ready) apply(item)
    else if (pending.length < options.maxQueue) pending.push(item)
  }
  const apply = (item: QueuedEvent | (() => void)) =>
    typeof item === 'function' ? item() : count(item)
  /** Takes what pages left in the backup, except the events in `own` (this page counts those). */
  const adopt = (own: Set<unknown>) => {
    const left = platform.backup?.take<QueuedEvent[]>(key('early'))
    if (Array.isArray(left))
      for (const event of left)
        if (typeof event?.messageId === 'string' && !own.has(event.messageId)) pending.push(event)
  }
  adopt(new Set())

  /** Counts an event as who the person is now (identify and alias change who that is). */
  const count = (event: QueuedEvent) => {
    if (event.type === 'alias') event.previousId = identity.userId ?? identity.anonymousId
    // Only identify and alias carry a userId before this (the others get the identity's below).
    if (event.userId !== undefined) {
      identity.userId = event.userId as string
      renamed = true
    }
    touchSession(identity, Date.parse(event.timestamp as string) || Date.now(), sessionMs)
    event.anonymousId = identity.anonymousId
    if (identity.userId !== undefined) event.userId = identity.userId
    ;(event.context as Record<string, unknown>).sessionId = identity.sessionId
    live.ingest(event)
    if (!granted) return
    queue.push(event)
    transport.schedule()
    persist()
  }

  const emit = (fields: Fields) => {
    whenReady({
      ...fields,
      messageId: uuid(),
      timestamp: new Date().toISOString(),
      context: { ...context(), library: { name: 'tagwise', version } },
    })
  }

  const refreshTags = async () => {
    if (!granted) return
    // Built by hand: mini-program runtimes have no URLSearchParams.
    let query = `anonymousId=${encodeURIComponent(identity.anonymousId)}`
    if (identity.userId !== undefined) query += `&userId=${encodeURIComponent(identity.userId)}`
    const response = await get(`tags?${query}`)
    if (response.status === 200) setDurable(((await response.json()) as { tags?: unknown }).tags)
  }

  const start = async () => {
    let [user, cachedDurable, snapshot, cachedRules] = await Promise.all([
      store.get<Identity>(key('user')),
      store.get<Record<string, TagValue>>(key('durable')),
      store.get<StateSnapshot>(key('state')),
      store.get<CachedRules>(key('rules')),
    ])
    // What the previous page wrote synchronously as it went away, when it is newer than what its
    // asynchronous writes left (they may have been cut off by the navigation).
    const backup = platform.backup?.take<Backup>(key('backup'))
    const newer =
      backup?.user?.anonymousId &&
      (!user?.anonymousId || backup.user.lastActivity >= user.lastActivity)
    if (newer) {
      user = backup.user
      renamed = true
      cachedDurable = backup.durable || cachedDurable
      snapshot = backup.state || snapshot
    }
    if (user?.anonymousId) identity = user
    setDurable(cachedDurable)
    if (granted) await queue.load()
    const load = async (rules: CachedRules | undefined, state?: StateSnapshot, cache = false) => {
      if (!rules) return
      try {
        // The collector sends the device plan with the document; for a document given inline (or
        // from an older collector) it is computed here, by a chunk loaded only then.
        const plan =
          rules.plan ?? (await import('../../rules/device-plan.ts')).devicePlan(rules.document)
        // So are the rare features (rules/rare.ts) in builds that leave them out, only for a
        // document that uses one. The flag is tested here so the minifier can fold it away.
        if (typeof __TAGWISE_RARE__ !== 'undefined' && !__TAGWISE_RARE__ && plan.rare !== false)
          addRare((await import('../../rules/device-rare.ts')).rare)
        live.setRules(rules.document, plan, state)
        if (cache && granted) void store.set(key('rules'), rules)
      } catch (error) {
        log('rules not loaded', error)
      }
    }
    if (options.rules !== 'remote') await load({ document: options.rules }, snapshot)
    else {
      const remote = fetchRules(get, cachedRules)
      // Cached rules make the tags available before any request; a new version replaces them
      // (after them, so an older version never lands last). Without a cache, `ready` waits for
      // the rules a little, not forever: events that come before them are counted when they
      // arrive.
      const cached = load(cachedRules, snapshot)
      const fresh = Promise.all([remote, cached]).then(([rules]) =>
        rules && rules !== cachedRules ? load(rules, live.snapshot() ?? snapshot, true) : undefined,
      )
      if (cachedRules) await cached
      else await Promise.race([fresh, new Promise((resolve) => setTimeout(resolve, RULES_WAIT_MS))])
    }
    ready = true
    // The backup is taken: the asynchronous store gets its newer data.
    if (newer) persist()
    // This page went away and came back: it counts the events it left itself, and those another
    // page that went away since left with them.
    if (leftEarly) adopt(new Set(early().map((event) => event.messageId)))
    for (const item of pending.splice(0)) safe(apply)(item)
    if (queue.items.length) transport.schedule()
    void refreshTags().catch(log)
  }
  const readyPromise = start().catch(log)

  const api: Tagwise = {
    page: safe((properties) => {
      const page = context().page as Record<string, unknown> | undefined
      emit({ type: 'page', properties: { ...page, ...properties } })
    }),
    track: safe((event, properties) => {
      if (typeof event !== 'string' || !event) return log('track needs an event name')
      emit({ type: 'track', event, properties: { ...properties } })
    }),
    identify: safe((userId, traits) => {
      // identify(traits)
      if (typeof userId === 'object' && userId) {
        traits = userId
        userId = undefined
      }
      emit({
        type: 'identify',
        traits: { ...traits },
        ...(userId !== undefined ? { userId: String(userId) } : {}),
      })
    }),
    alias: safe((userId) => emit({ type: 'alias', userId: String(userId) })),
    reset: safe(() =>
      whenReady(() => {
        identity = newIdentity()
        renamed = true
        durable = {}
        live.reset()
        if (granted) void store.del(key('state'))
        persist()
      }),
    ),
    // Calls that only read plain data or hand work to promises need no `safe`: they cannot throw.
    tags: () => ({ ...live.current }),
    has: (tag) => api.value(tag) !== undefined,
    // Own properties only: `has('toString')` is no tag.
    value: safe((tag) => own(live.current, tag)),
    on: (type, listener) => {
      if (type !== 'change' || typeof listener !== 'function') return () => undefined
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    explain: (tag) => live.explain(tag).catch(log),
    queued: () => ({ events: queue.items.length, dropped: queue.dropped }),
    user: () => ({
      anonymousId: identity.anonymousId,
      ...(identity.userId !== undefined ? { userId: identity.userId } : {}),
      sessionId: identity.sessionId,
    }),
    consent: (yes) => {
      const was = granted
      granted = yes !== false
      if (!granted) void queue.clear()
      else if (!was && ready) {
        persist()
        // The queue of an earlier page that had consent (a site that starts with consent off
        // until its consent tool answers must not lose it).
        void queue.load().then(() => transport.schedule())
      }
    },
    flush: () => readyPromise.then(() => transport.flush()).catch(log),
    ready: readyPromise,
  }

  const core: Core = {
    api,
    visibility: safe((visible) => {
      live.visibility(visible)
      if (!visible) core.leave()
    }),
    leave: safe(() => {
      persist()
      if (granted)
        if (ready)
          platform.backup?.write(key('backup'), {
            user: identity,
            state: live.snapshot(),
            durable,
          } satisfies Backup)
        else if (early().length) {
          platform.backup?.write(key('early'), early())
          leftEarly = true
        }
      transport.beacon()
    }),
    online: transport.online,
    emit: safe(emit),
    stop: () => {
      transport.stop()
      live.stop()
    },
  }
  return core
}
