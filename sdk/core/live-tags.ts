import type {
  DeviceState,
  Explanation,
  RulesDocument,
  StateSnapshot,
  TagValue,
} from '../../rules/index.ts'
import { backgroundTimer } from './background-timer.ts'
import { loadExplainer, type CompiledRules } from './device-rules.ts'
import { createEmitter, type Emitter } from './emitter.ts'
import type { QueuedEvent } from './queue.ts'

/** One tag that changed: `from`/`to` are `undefined` when the tag is absent. */
export interface TagChange {
  tag: string
  from: TagValue | undefined
  to: TagValue | undefined
}

/** What live tags report: every set of changes (an event, a time-driven flip, new durable tags). */
export interface LiveTagEvents {
  change: TagChange[]
}

/** Live tags: the engine on the device (session tags) merged with the edge's durable tags. */
export interface LiveTags extends Pick<Emitter<LiveTagEvents>, '_on'> {
  /** The merged tags now. */
  readonly _current: Readonly<Record<string, TagValue>>
  /** The edge's latest durable tags. */
  readonly _durable: Readonly<Record<string, TagValue>>
  /**
   * Starts evaluating `compiled` (from `document`), restoring the device state from `snapshot` when
   * given and valid; events ingested before are counted now.
   */
  _setRules(compiled: CompiledRules, document: RulesDocument, snapshot?: StateSnapshot): void
  /** Feeds one event to the engine (synchronously) and re-evaluates. */
  _ingest(event: QueuedEvent): void
  /** Replaces the durable tags (the edge's latest word) and re-evaluates. */
  _setDurable(tags: Record<string, TagValue>): void
  /** Page shown or hidden: hidden time does not count as dwell, and the timer pauses. */
  _visibility(visible: boolean): void
  _explain(tag: string): Promise<Explanation | undefined>
  /** Forgets the device state and durable tags (a new person). */
  _reset(): void
  /** The device state to persist (`undefined` without rules). */
  _snapshot(): StateSnapshot | undefined
  _stop(): void
}

/**
 * The rules being evaluated: compiled (with the tags a chunk that did not load leaves out), their
 * document (for explain) and the device state.
 */
interface Evaluating extends CompiledRules {
  document: RulesDocument
  state: DeviceState
}

const MAX_DELAY = 2 ** 31 - 1
/** Events kept for the engine while the rules are still loading. */
const MAX_WAITING = 200

/**
 * Wires the engine for the device. The engine counts an open page visit's dwell as `now − start`;
 * the spec lets the device subtract hidden time, so the device's copy of the timeline runs on a
 * clock that stands still while the page is hidden during the latest visit: each event is ingested
 * at `clock(t)` and tags are evaluated at `clock(now)`. The clock catches up at each page event and
 * when the real gap since the last event reaches the session timeout, so sessions are cut in real
 * time like on the edge. Changes are emitted as `change` events; a listener's error is `log`ged.
 */
export function createLiveTags(log: (...args: unknown[]) => void, visible: boolean): LiveTags {
  const emitter = createEmitter<LiveTagEvents>(log)
  let evaluating: Evaluating | undefined
  let durable: Record<string, TagValue> = {}
  let current: Record<string, TagValue> = {}
  /** How far the device clock is behind real time while the page is visible. */
  let hidden = 0
  /** The device time the clock stands at while the page is hidden. */
  let stopped: number | undefined = visible ? undefined : Date.now()
  /** Real time of the latest event counted. */
  let last = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Events ingested before the rules (there is no state to count them in until then). */
  let waiting: QueuedEvent[] = []

  /** The device time at real time `t`. */
  const clock = (t: number) => stopped ?? t - hidden
  const restart = (t: number) => {
    hidden = 0
    if (stopped !== undefined) stopped = t
  }
  /** A session that ended in real time restarts the clock. */
  const expire = ({ rules }: Evaluating, t: number) => {
    if (t - last >= rules.sessionTimeoutMs) restart(t)
  }

  const count = (on: Evaluating, event: QueuedEvent) => {
    const t = Date.parse(event.timestamp)
    expire(on, t)
    if (event.type === 'page' || event.type === 'screen') restart(t)
    const deviceTime = new Date(clock(t)).toISOString()
    on.state.ingest({ ...event, timestamp: deviceTime })
    if (t > last) last = t
  }

  /** The durable tags with the device's own values over them. */
  const evaluate = (): Record<string, TagValue> => {
    const merged = { ...durable }
    if (!evaluating) return merged
    // The edge evaluates device tags too, but the device's own values are newer.
    for (const tag of evaluating.rules.tags) if (tag.evaluatedOn === 'device') delete merged[tag.id]
    const now = Date.now()
    expire(evaluating, now)
    return Object.assign(merged, evaluating.state.evaluate(clock(now), durable, false).tags)
  }

  /** Evaluates the tags now and reports changes; finding when they change next is deferred. */
  const update = () => {
    const merged = evaluate()
    const changes: TagChange[] = []
    for (const tag of new Set([...Object.keys(current), ...Object.keys(merged)])) {
      const from = current[tag]
      const to = merged[tag]
      if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ tag, from, to })
    }
    current = merged
    if (changes.length) emitter._emit('change', changes)
    clearTimeout(timer)
    // Time-driven changes need rules, and happen only while the page is visible.
    const on = evaluating
    if (on && stopped === undefined) timer = backgroundTimer(() => arm(on), 0)
  }

  /**
   * Sets the timer for the next time-driven change. `nextChangeAt` evaluates the tags at several
   * future instants (a fraction of a millisecond), so it runs in a task of its own, once per burst
   * of events, keeping `track()` itself cheap.
   */
  const arm = (on: Evaluating) => {
    const now = Date.now()
    expire(on, now)
    const next = on.state.evaluate(clock(now), durable).nextChangeAt
    if (next === null) return
    // A session that ended in real time ends its tags, hidden time or not.
    const end = last + on.rules.sessionTimeoutMs
    const at = Math.min(next + hidden, end > now ? end : Infinity)
    timer = backgroundTimer(update, Math.min(MAX_DELAY, Math.max(0, at - now)))
  }

  return {
    _on: emitter._on,
    get _current() {
      return current
    },
    get _durable() {
      return durable
    },
    _setRules({ rules, missing }, document, snapshot) {
      let state: DeviceState
      try {
        state = rules.createState(snapshot)
      } catch (error) {
        log('device state not restored', error)
        state = rules.createState()
      }
      const now: Evaluating = (evaluating = { rules, missing, document, state })
      for (const event of waiting.splice(0)) count(now, event)
      update()
    },
    _ingest(event) {
      if (evaluating) count(evaluating, event)
      else if (waiting.length < MAX_WAITING) waiting.push(event)
      update()
    },
    _setDurable(tags) {
      durable = tags
      update()
    },
    _visibility(isVisible) {
      // The hidden time so far is banked; a page hidden again just keeps its clock stopped.
      const now = Date.now()
      const t = clock(now)
      hidden = now - t
      stopped = isVisible ? undefined : t
      update()
    },
    async _explain(tag) {
      let why: string | undefined
      const explainOnDevice = await loadExplainer().catch((error: unknown) => {
        why = `not explained: ${String(error)}`
      })
      // As the tags are now that the explainer is here (or is not).
      const on = evaluating
      const info = on?.rules.tags.find((t) => t.id === tag)
      if (!on || !info) return undefined
      if (on.missing?.tags.includes(tag)) why = `absent on this device: ${on.missing.why}`
      return explainOnDevice && why === undefined
        ? explainOnDevice(on.document, info, on.state, clock(Date.now()), durable)
        : {
            tag,
            kind: info.kind,
            value: current[tag] ?? null,
            evaluatedOn: info.evaluatedOn,
            parts: [],
            metrics: {},
            error: why,
          }
    },
    _reset() {
      waiting = []
      durable = {}
      if (evaluating) evaluating = { ...evaluating, state: evaluating.rules.createState() }
      // No last event: the next one (or evaluation) starts a session, and the clock anew.
      last = 0
      update()
    },
    _snapshot: () => evaluating?.state.snapshot(),
    _stop: () => clearTimeout(timer),
  }
}
