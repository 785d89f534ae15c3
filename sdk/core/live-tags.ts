import { loadDeviceRules } from '../../rules/index.ts'
import type {
  DevicePlan,
  DeviceRules,
  DeviceState,
  Explanation,
  RulesDocument,
  StateSnapshot,
  TagValue,
  TagwiseEvent,
} from '../../rules/index.ts'

/** One tag that changed: `from`/`to` are `undefined` when the tag is absent. */
export interface TagChange {
  tag: string
  from: TagValue | undefined
  to: TagValue | undefined
}

/** Live tags: the engine on the device (session tags) merged with the edge's durable tags. */
export interface LiveTags {
  /** The merged tags now. */
  readonly current: Readonly<Record<string, TagValue>>
  /** Loads a rules document and its plan, restoring the device state from `snapshot` when given. */
  setRules(document: RulesDocument, plan: DevicePlan, snapshot?: StateSnapshot): void
  /** Feeds one event to the engine (synchronously) and re-evaluates. */
  ingest(event: Record<string, unknown>): void
  /** Replaces the durable tags (the edge's latest word) and re-evaluates. */
  setDurable(tags: Record<string, TagValue>): void
  /** Page shown or hidden: hidden time does not count as dwell, and the timer pauses. */
  visibility(visible: boolean): void
  explain(tag: string): Promise<Explanation | undefined>
  /** Forgets the device state and durable tags (a new person). */
  reset(): void
  /** The device state to persist (`undefined` without rules). */
  snapshot(): StateSnapshot | undefined
  stop(): void
}

const MAX_DELAY = 2 ** 31 - 1
/** Events kept for the engine while the rules are still loading. */
const MAX_EARLY = 200

/**
 * Wires the engine for the device. The engine counts an open page visit's dwell as `now − start`;
 * the spec lets the device subtract hidden time, so the device's copy of the timeline runs on a
 * clock that stands still while the page is hidden during the latest visit: each event is ingested
 * at `clock(t)` and tags are evaluated at `clock(now)`. The clock catches up at each page event and
 * when the real gap since the last event reaches the session timeout, so sessions are cut in real
 * time like on the edge.
 */
export function createLiveTags(
  onChange: (changes: TagChange[]) => void,
  log: (...args: unknown[]) => void,
  visible: boolean,
): LiveTags {
  let rules: DeviceRules | undefined
  /** The document `rules` were compiled from. */
  let source: RulesDocument | undefined
  let state: DeviceState | undefined
  let durable: Record<string, TagValue> = {}
  let current: Record<string, TagValue> = {}
  /** How far the device clock is behind real time while the page is visible. */
  let hidden = 0
  /** The device time the clock stands at while the page is hidden. */
  let stopped: number | undefined = visible ? undefined : Date.now()
  let last = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Events ingested before the rules (there is no state until then). */
  let early: Record<string, unknown>[] = []

  /** The device time at real time `t`. */
  const clock = (t: number) => stopped ?? t - hidden
  const restart = (t: number) => {
    hidden = 0
    if (stopped !== undefined) stopped = t
  }
  /** Only used with a state, that is with rules. */
  const timeout = () => rules!.sessionTimeoutMs
  const expire = (t: number) => {
    if (t - last >= timeout()) restart(t)
  }

  const count = (event: Record<string, unknown>) => {
    const t = Date.parse(event.timestamp as string)
    expire(t)
    if (event.type === 'page' || event.type === 'screen') restart(t)
    state!.ingest({ ...event, timestamp: new Date(clock(t)).toISOString() } as TagwiseEvent)
    if (t > last) last = t
  }

  /** Evaluates the tags now and reports changes; finding when they change next is deferred. */
  const update = () => {
    const merged = { ...durable }
    // There is a state once there are rules.
    if (state) {
      // The edge evaluates device tags too, but the device's own values are newer.
      for (const t of rules!.tags) if (t.evaluatedOn === 'device') delete merged[t.id]
      const now = Date.now()
      expire(now)
      Object.assign(merged, state.evaluate(clock(now), durable, false).tags)
    }
    const changes: TagChange[] = []
    for (const tag of Object.keys({ ...current, ...merged })) {
      const from = current[tag]
      const to = merged[tag]
      if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ tag, from, to })
    }
    current = merged
    if (changes.length) onChange(changes)
    clearTimeout(timer)
    // Time-driven changes need rules, and happen only while the page is visible.
    if (state && stopped === undefined) timer = setTimeout(arm, 0)
  }

  /**
   * Sets the timer for the next time-driven change. `nextChangeAt` evaluates the tags at several
   * future instants (a fraction of a millisecond), so it runs in a task of its own, once per burst
   * of events, keeping `track()` itself cheap.
   */
  const arm = () => {
    const now = Date.now()
    expire(now)
    const next = state!.evaluate(clock(now), durable).nextChangeAt
    if (next === null) return
    // A session that ended in real time ends its tags, hidden time or not.
    const end = last + timeout()
    const at = Math.min(next + hidden, end > now ? end : Infinity)
    timer = setTimeout(update, Math.min(MAX_DELAY, Math.max(0, at - now)))
  }

  return {
    get current() {
      return current
    },
    setRules(rulesDocument, plan, snapshot) {
      const loaded = loadDeviceRules(rulesDocument, plan)
      try {
        state = loaded.createState(snapshot)
      } catch (error) {
        log('device state not restored', error)
        state = loaded.createState()
      }
      rules = loaded
      source = rulesDocument
      for (const event of early.splice(0)) count(event)
      update()
    },
    ingest(event) {
      if (state) count(event)
      else if (early.length < MAX_EARLY) early.push(event)
      update()
    },
    setDurable(tags) {
      durable = tags
      update()
    },
    visibility(isVisible) {
      // The hidden time so far is banked; a page hidden again just keeps its clock stopped.
      const now = Date.now()
      const t = clock(now)
      hidden = now - t
      stopped = isVisible ? undefined : t
      update()
    },
    async explain(tag) {
      // The explainer is a rare feature: it loads with them, the first time a tag is explained.
      const { explainOnDevice } = await import('../../rules/device-rare.ts')
      const info = rules?.tags.find((t) => t.id === tag)
      // A tag of the rules (`info`) has their document (`source`).
      return state && info
        ? explainOnDevice(source!, info, state, clock(Date.now()), durable)
        : undefined
    },
    reset() {
      early = []
      durable = {}
      state = rules?.createState()
      // No last event: the next one (or evaluation) starts a session, and the clock anew.
      last = 0
      update()
    },
    snapshot: () => state?.snapshot(),
    stop: () => clearTimeout(timer),
  }
}
