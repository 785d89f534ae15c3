import type { Acc, Fold } from '../aggregate/accumulator.ts'
import type { Evaluation, StateSnapshot } from '../api.ts'
import type { MetricValue, TagValue } from '../document/document.ts'
import { eventPath, type TagwiseEvent } from '../document/event.ts'
import { isObject, toNumeric, type Json } from '../document/json.ts'
import type { MetricMatcher } from '../metric/metric.ts'
import { nextChangeAt } from '../state/next-change.ts'
import { own, setOwn } from '../state/state-data.ts'
import type { CompiledTag } from '../tags/compile-tag.ts'
import type { TagData } from '../tags/slots.ts'
import type { TimeUnit } from '../state/compiled-rules.ts'

/** The compiled device rules a {@link DeviceState} runs on. */
export interface CompiledDeviceRules {
  /** The `session` metrics only: nothing else is evaluated on a device. */
  metrics: DeviceMetric[]
  /** Every tag in evaluation order; `onDevice` tags are evaluated, the others read `durable`. */
  tags: CompiledTag[]
  /** Time-dependent expression nodes of device tags (see `timeUnits`). */
  units: TimeUnit[]
  timeout: number
}

/** A `session` metric on a device: its matching and its fold (accumulators never merge here). */
export interface DeviceMetric extends MetricMatcher {
  aggregator: Fold
  /** From the device plan (`metricFingerprint`). */
  fingerprint: string
}

/** The current session's state, as JSON (what `snapshot()` returns). */
interface Data {
  v: 'device'
  /** Start and latest event time of the current session (`e < 0`: no session yet). */
  s: number
  e: number
  /** Input order, for ties between equal timestamps (`first`/`last`/`top`). */
  q: number
  /** Accumulators of the session metrics (closed dwell visits included). */
  a: Record<string, Acc>
  /** The latest page visit if it is still open: start, path, the dwell metrics it counts for. */
  o: { t: number; p: string | null; m: string[] } | null
  /** Merged identify traits. */
  t: Record<string, Json>
  /** Fingerprints of the metric definitions the data was counted under. */
  f: Record<string, string>
}

/** A device profile state: the current session only, events in the order they happen. */
export interface DeviceState {
  /** Counts one event the SDK built (a good event; not validated again). */
  ingest(event: TagwiseEvent): void
  evaluate(now: number, durable: Record<string, TagValue>, next?: boolean): Evaluation
  /**
   * What the tag expressions see at `now`: the metrics, every tag's value (`null` when absent),
   * the traits. For explanations (`explainOnDevice`, which loads with the rare features).
   */
  data(now: number, durable: Record<string, TagValue>): TagData
  snapshot(): StateSnapshot
}

/**
 * The device's profile state. A device sees only its own events, in the order it makes them, and
 * only evaluates tags over `session` metrics, so it keeps the current session and nothing else:
 * one accumulator per session metric and the open page visit. Semantics are the full engine's
 * (`rules/state.ts`) for events in timestamp order — the parity tests prove it; an event older than
 * the latest one (a clock set back) is counted at the latest time, so the order still holds.
 *
 * A snapshot whose metric definitions changed keeps only the unchanged metrics' data; one that is
 * not a device snapshot throws.
 */
export function createDeviceState(
  compiled: CompiledDeviceRules,
  snapshot?: StateSnapshot,
): DeviceState {
  const { metrics, timeout } = compiled
  const f: Record<string, string> = {}
  for (const m of metrics) f[m.id] = m.fingerprint
  let data: Data = { v: 'device', s: 0, e: -1, q: 0, a: {}, o: null, t: {}, f }
  if (snapshot) {
    const raw = JSON.parse(JSON.stringify(snapshot)) as Data
    if (raw.v !== 'device' || !isObject(raw.a) || !isObject(raw.f))
      throw new Error('not a tagwise device snapshot')
    for (const m of metrics) if (raw.f[m.id] !== m.fingerprint) delete raw.a[m.id]
    if (raw.o) raw.o.m = raw.o.m.filter((id) => raw.f[id] === f[id])
    data = { ...raw, f }
  }

  const add = ({ aggregator, id }: DeviceMetric, value: unknown, ts: number) =>
    aggregator.add(data.a[id] ?? (data.a[id] = aggregator.create()), { value, ts, seq: data.q })

  /** Hands a finished visit's dwell (capped at the session timeout) to its metrics. */
  const close = (dwell: number) => {
    const visit = data.o!
    data.o = null
    for (const metric of metrics)
      if (visit.m.includes(metric.id)) add(metric, Math.min(Math.max(dwell, 0), timeout), visit.t)
  }

  const current = (now: number) => data.e >= 0 && now - data.e < timeout && now >= data.s

  const metricsAt = (now: number): Record<string, MetricValue> => {
    const live = current(now)
    const out: Record<string, MetricValue> = {}
    for (const metric of metrics) {
      const { aggregator, id } = metric
      let acc = (live && data.a[id]) || aggregator.create()
      const open = data.o
      if (live && open && open.t <= now && open.m.includes(id)) {
        // The open visit counts as if it ended now: on a copy, the state does not change.
        acc = JSON.parse(JSON.stringify(acc)) as Acc
        aggregator.add(acc, { value: Math.min(now - open.t, timeout), ts: open.t, seq: 0 })
      }
      out[id] = aggregator.value(acc, now)
    }
    return out
  }

  const tagsAt = (now: number, durable: Record<string, TagValue>) => {
    const metricValues = metricsAt(now)
    const tags: Record<string, TagValue | null> = {}
    const present: Record<string, TagValue> = {}
    const tagData: TagData = { metrics: metricValues, tags, traits: data.t, now, v: [] }
    for (const tag of compiled.tags) {
      const value = tag.onDevice ? tag.evaluate(tagData) : own(durable, tag.id)
      tags[tag.id] = value ?? null
      if (value !== undefined && tag.onDevice) present[tag.id] = value
    }
    return { tagData, present }
  }

  return {
    ingest(raw) {
      const at = Date.parse(raw.timestamp)
      if (at !== at) return // not a good event: no time to count it at
      const ts = Math.max(at, data.e)
      data.q++
      if (!current(ts)) {
        // A new session (`ts` is never before the session's start): the previous one (and its
        // open visit) no longer counts anywhere here.
        data.s = ts
        data.a = {}
        data.o = null
      }
      data.e = ts
      if (raw.type === 'identify' && isObject(raw.traits))
        for (const key of Object.keys(raw.traits)) setOwn(data.t, key, raw.traits[key] as Json)
      const event = { raw, ts }
      const dwellIds: string[] = []
      for (const metric of metrics)
        if (metric.matches(event))
          if (metric.dwell) dwellIds.push(metric.id)
          else add(metric, metric.field(event), ts)
      const path = eventPath(raw) ?? null
      if (raw.type === 'page' || raw.type === 'screen') {
        if (data.o) close(ts - data.o.t)
        data.o = { t: ts, p: path, m: dwellIds }
      } else if (raw.type === 'track' && raw.event === 'Page Left' && data.o?.p === path)
        close(toNumeric(raw.properties?.dwell_ms) ?? ts - data.o.t)
    },

    evaluate(now, durable, next = true) {
      // The search asks for the tags and for the units at the same instants: evaluate each once
      // (with no units, it asks for them only where it just asked for the tags).
      let last = now
      let lastAt = tagsAt(now, durable)
      const at = (t: number) => (t === last ? lastAt : (lastAt = tagsAt((last = t), durable)))
      const { tagData, present } = lastAt
      let nextAt: number | null = null
      if (next) {
        nextAt = nextChangeAt(now, {
          // The session ends, or the open visit reaches the dwell cap.
          structural: (t) => {
            const cap = data.o?.m.length ? data.o.t + timeout : t
            const end = Math.min(current(t) ? data.e + timeout : Infinity, cap > t ? cap : Infinity)
            return end < Infinity ? end : null
          },
          tagsKey: (t) => JSON.stringify(at(t).present),
          unitKeys: (t) => {
            const data = at(t).tagData
            return compiled.units.map((u) => {
              try {
                return JSON.stringify(u.evaluate(data)) ?? 'undefined'
              } catch {
                return '!error'
              }
            })
          },
        })
      }
      return { tags: present, metrics: tagData.metrics, nextChangeAt: nextAt }
    },

    data: (now, durable) => tagsAt(now, durable).tagData,

    snapshot: () => JSON.parse(JSON.stringify(data)) as StateSnapshot,
  }
}
