import type { Accumulator, Fold } from '../aggregate/accumulator.ts'
import type { Evaluation, StateSnapshot } from '../api.ts'
import type { MetricValue, TagValue } from '../document/document.ts'
import { eventPath, type TagwiseEvent } from '../document/event.ts'
import { cloneJson, isObject, own, toNumeric, type Json } from '../document/json.ts'
import { decodeDeviceSnapshot, encodeDeviceSnapshot, type DeviceData } from './device-snapshot.ts'
import type { MetricMatcher } from '../metric/metric.ts'
import { nextChangeAt } from '../state/next-change.ts'
import type { UnitFlips } from '../state/unit-flips.ts'
import { setOwn } from '../state/state-data.ts'
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
  /** From the device's features: needed when `units` is not empty. */
  unitFlips: UnitFlips | undefined
}

/** A `session` metric on a device: its matching and its fold (accumulators never merge here). */
export interface DeviceMetric extends MetricMatcher {
  aggregator: Fold<Accumulator>
  /** From the device plan (`metricFingerprint`). */
  fingerprint: string
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
  const fingerprints: Record<string, string> = {}
  for (const m of metrics) fingerprints[m.id] = m.fingerprint
  let data: DeviceData = {
    start: 0,
    end: -1,
    seq: 0,
    accumulators: {},
    visit: null,
    traits: {},
    fingerprints,
  }
  if (snapshot) {
    const restored = decodeDeviceSnapshot(snapshot)
    const unchanged = (id: string) => restored.fingerprints[id] === fingerprints[id]
    for (const m of metrics) if (!unchanged(m.id)) delete restored.accumulators[m.id]
    if (restored.visit) restored.visit.metrics = restored.visit.metrics.filter(unchanged)
    data = { ...restored, fingerprints }
  }

  const add = ({ aggregator, id }: DeviceMetric, value: unknown, ts: number) =>
    aggregator.add((data.accumulators[id] ??= aggregator.create()), { value, ts, seq: data.seq })

  /** Hands a finished visit's dwell (capped at the session timeout) to its metrics. */
  const close = (dwell: number) => {
    const visit = data.visit!
    data.visit = null
    for (const metric of metrics)
      if (visit.metrics.includes(metric.id))
        add(metric, Math.min(Math.max(dwell, 0), timeout), visit.start)
  }

  const current = (now: number) => data.end >= 0 && now - data.end < timeout && now >= data.start

  const metricsAt = (now: number): Record<string, MetricValue> => {
    const live = current(now)
    const out: Record<string, MetricValue> = {}
    for (const metric of metrics) {
      const { aggregator, id } = metric
      let acc = (live && data.accumulators[id]) || aggregator.create()
      const open = data.visit
      if (live && open && open.start <= now && open.metrics.includes(id)) {
        // The open visit counts as if it ended now: on a copy, the state does not change.
        acc = cloneJson(acc)
        aggregator.add(acc, { value: Math.min(now - open.start, timeout), ts: open.start, seq: 0 })
      }
      out[id] = aggregator.value(acc, now)
    }
    return out
  }

  const tagsAt = (now: number, durable: Record<string, TagValue>) => {
    const metricValues = metricsAt(now)
    const tags: Record<string, TagValue | null> = {}
    const present: Record<string, TagValue> = {}
    const tagData: TagData = { metrics: metricValues, tags, traits: data.traits, now, v: [] }
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
      const ts = Math.max(at, data.end)
      data.seq++
      if (!current(ts)) {
        // A new session (`ts` is never before the session's start): the previous one (and its
        // open visit) no longer counts anywhere here.
        data.start = ts
        data.accumulators = {}
        data.visit = null
      }
      data.end = ts
      if (raw.type === 'identify' && isObject(raw.traits))
        for (const key of Object.keys(raw.traits)) setOwn(data.traits, key, raw.traits[key] as Json)
      const event = { raw, ts }
      const dwellIds: string[] = []
      for (const metric of metrics)
        if (metric.matches(event))
          if (metric.dwell) dwellIds.push(metric.id)
          else add(metric, metric.field(event), ts)
      const path = eventPath(raw) ?? null
      if (raw.type === 'page' || raw.type === 'screen') {
        if (data.visit) close(ts - data.visit.start)
        data.visit = { start: ts, path, metrics: dwellIds }
      } else if (raw.type === 'track' && raw.event === 'Page Left' && data.visit?.path === path)
        close(toNumeric(raw.properties?.dwell_ms) ?? ts - data.visit.start)
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
        nextAt = nextChangeAt(
          now,
          {
            // The session ends, or the open visit reaches the dwell cap.
            structural: (t) => {
              const visit = data.visit
              const cap = visit?.metrics.length ? visit.start + timeout : t
              const end = Math.min(
                current(t) ? data.end + timeout : Infinity,
                cap > t ? cap : Infinity,
              )
              return end < Infinity ? end : null
            },
            tagsKey: (t) => JSON.stringify(at(t).present),
            units: compiled.units,
            tagData: (t) => at(t).tagData,
          },
          compiled.unitFlips,
        )
      }
      return { tags: present, metrics: tagData.metrics, nextChangeAt: nextAt }
    },

    data: (now, durable) => tagsAt(now, durable).tagData,

    snapshot: () => encodeDeviceSnapshot(data),
  }
}
