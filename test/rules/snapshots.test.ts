// Snapshots as they are stored: the browser and the mini-program keep a device snapshot across
// visits, each profile's Durable Object keeps its state's snapshot in SQLite. A snapshot written by
// an older version must restore to the same state after an upgrade. The fixtures
// (test/fixtures/snapshots/) hold snapshots and evaluations recorded by the engine of each format
// version (test/fixtures/snapshots/generate.ts).
import { describe, expect, it } from 'vitest'
import {
  compileRules,
  isLegacyDeviceSnapshot,
  loadDeviceRules,
  upgradeDeviceSnapshot,
} from '../../rules/index.ts'
import type {
  DevicePlan,
  Evaluation,
  Json,
  RulesDocument,
  StateSnapshot,
  TagValue,
  TagwiseEvent,
} from '../../rules/index.ts'
import { features } from '../../rules/device/rare-chunk.ts'
import v1 from '../fixtures/snapshots/v1.json' with { type: 'json' }

interface Recorded {
  now: number
  evaluation: Evaluation
}

interface Fixture {
  document: RulesDocument
  plan: DevicePlan
  durable: Record<string, TagValue>
  edge: {
    label: string
    events?: object[]
    snapshot: StateSnapshot
    traits: Record<string, Json>
    evaluations: Recorded[]
    then: object[]
    continued: Recorded[]
  }[]
  device: {
    label: string
    snapshot: StateSnapshot
    evaluations: Recorded[]
    then: object[]
    continued: Recorded[]
  }[]
}

/** The parts of a version 1 edge snapshot the tests read. */
interface OldEdge {
  seq: number
  ids: string[]
  traits: Record<string, [Json, number, number]>
  life: Record<string, Record<string, Json>>
  pages: { t: number; q: number; k: 0 | 1; p: string | null; d: number | null; m: string[] }[]
  defs: Record<string, string>
}

const fixture = v1 as unknown as Fixture
const rules = compileRules(fixture.document)
const device = loadDeviceRules(fixture.document, fixture.plan, features)
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

describe('edge snapshots written by the v1 engine (v: 1)', () => {
  for (const c of fixture.edge) {
    it(`restore to the same evaluations, and continue the same: ${c.label}`, () => {
      const state = rules.restore(copy(c.snapshot))
      for (const { now, evaluation } of c.evaluations)
        expect(state.evaluate(now)).toEqual(evaluation)
      expect(state.traits()).toEqual(c.traits)
      for (const e of c.then) expect(state.ingest(e).status).toBe('counted')
      for (const { now, evaluation } of c.continued) expect(state.evaluate(now)).toEqual(evaluation)
    })

    it(`restore to the state today's engine builds from the same events: ${c.label}`, () => {
      if (!c.events) return
      const today = rules.createState({ maxMessageIds: Infinity })
      for (const e of c.events) today.ingest(e)
      const restored = rules.restore(copy(c.snapshot), { maxMessageIds: Infinity })
      expect(restored.snapshot()).toEqual(today.snapshot())
    })
  }

  it('still know the messageIds they saw', () => {
    const c = fixture.edge.find((e) => e.events?.length)!
    const state = rules.restore(copy(c.snapshot))
    expect(state.ingest(c.events![0]!).status).toBe('duplicate')
  })

  it('merge into a current state exactly as a current snapshot does', () => {
    const [, stream, , merged] = fixture.edge
    const a = rules.restore(copy(merged!.snapshot))
    const b = rules.restore(copy(merged!.snapshot))
    a.merge(rules.restore(copy(stream!.snapshot)))
    b.merge(rules.restore(rules.restore(copy(stream!.snapshot)).snapshot()))
    expect(a.snapshot()).toEqual(b.snapshot())
  })
})

describe('edge snapshots of the current format (version: 2)', () => {
  it('have readable keys, accumulators included', () => {
    const old = fixture.edge[1]!.snapshot as Record<string, Json> & OldEdge
    const snapshot = rules.restore(copy(old)).snapshot()
    expect(Object.keys(snapshot)).toEqual([
      'version',
      'seq',
      'messageIds',
      'traits',
      'sessions',
      'lifetime',
      'buckets',
      'pages',
      'fingerprints',
    ])
    const [plan, ts, seq] = old.traits.plan!
    const { life } = old
    const page = old.pages.find((p) => p.k === 1)!
    expect(snapshot).toMatchObject({
      version: 2,
      seq: old.seq,
      messageIds: old.ids,
      traits: { plan: { value: plan, ts, seq } },
      pages: expect.arrayContaining([
        { ts: page.t, seq: page.q, kind: 'left', path: page.p, dwellMs: page.d, metrics: page.m },
      ]),
      lifetime: {
        count_lifetime: { count: life.count_lifetime!.n },
        avg_lifetime: {
          sum: life.avg_lifetime!.s,
          compensation: life.avg_lifetime!.c,
          count: life.avg_lifetime!.n,
        },
        max_lifetime: { extreme: life.max_lifetime!.m },
        first_lifetime: {
          ts: life.first_lifetime!.ts,
          seq: life.first_lifetime!.seq,
          value: life.first_lifetime!.v,
        },
        since_last_lifetime: { time: life.since_last_lifetime!.t },
        top_lifetime: { values: life.top_lifetime!.k },
        distinct_lifetime: { values: life.distinct_lifetime!.k },
      },
      fingerprints: old.defs,
    })
    // Visits reach the accumulators once the timeline is trimmed.
    const trimmed = fixture.edge[4]!.snapshot as Record<string, Json> & OldEdge
    const dwell = trimmed.life.dwell_max_lifetime!
    expect(rules.restore(copy(trimmed)).snapshot().lifetime).toMatchObject({
      dwell_max_lifetime: { sum: dwell.s, compensation: dwell.c, extreme: dwell.m },
    })
  })

  for (const c of fixture.edge) {
    it(`round-trip: snapshot → restore → snapshot is identical: ${c.label}`, () => {
      const snapshot = rules.restore(copy(c.snapshot)).snapshot()
      const again = rules.restore(copy(snapshot)).snapshot()
      expect(JSON.stringify(again)).toBe(JSON.stringify(snapshot))
    })
  }

  it('refuses what is not a snapshot, with the error it always gave', () => {
    for (const garbage of [{}, { v: 2 }, { v: 1, sessions: 'x', pages: [] }, { v: 'device' }])
      expect(() => rules.restore(garbage as StateSnapshot)).toThrow(/not a tagwise state snapshot/)
  })

  it('refuses a snapshot of a later format, saying so', () => {
    const later = { version: 3, sessions: [], pages: [] }
    expect(() => rules.restore(later)).toThrow(
      'a tagwise state snapshot of format version 3, newer than this engine reads (2): update tagwise',
    )
  })
})

describe('device snapshots written by the v1 engine (v: device)', () => {
  for (const c of fixture.device) {
    it(`upgrade to the same evaluations, and continue the same: ${c.label}`, () => {
      expect(isLegacyDeviceSnapshot(c.snapshot)).toBe(true)
      const state = device.createState(upgradeDeviceSnapshot(copy(c.snapshot)))
      for (const { now, evaluation } of c.evaluations)
        expect(state.evaluate(now, fixture.durable)).toEqual(evaluation)
      for (const e of c.then) state.ingest(e as TagwiseEvent)
      for (const { now, evaluation } of c.continued)
        expect(state.evaluate(now, fixture.durable)).toEqual(evaluation)
    })

    it(`upgrade to the current format, which round-trips: ${c.label}`, () => {
      const upgraded = upgradeDeviceSnapshot(copy(c.snapshot))
      expect(upgraded).toMatchObject({ format: 'device', version: 2 })
      expect(isLegacyDeviceSnapshot(upgraded)).toBe(false)
      const snapshot = device.createState(copy(upgraded)).snapshot()
      expect(JSON.stringify(snapshot)).toBe(JSON.stringify(upgraded))
      // Readable fields, the same data: the session's times and order, the open visit, traits.
      const old = c.snapshot as Record<string, Json>
      expect(upgraded).toMatchObject({ start: old.s, end: old.e, seq: old.q, traits: old.t })
    })
  }

  it('are refused by createState until upgraded', () => {
    expect(() => device.createState(copy(fixture.device[0]!.snapshot))).toThrow(
      /not a tagwise device snapshot/,
    )
  })

  it('refuses what is not a device snapshot', () => {
    const edge = rules.restore(copy(fixture.edge[1]!.snapshot)).snapshot()
    const current = device.createState().snapshot()
    const later = { ...current, version: 3 }
    for (const garbage of [{}, edge, later, { format: 'device', version: 2, accumulators: [] }])
      expect(() => device.createState(garbage as StateSnapshot)).toThrow(
        /not a tagwise device snapshot/,
      )
    for (const garbage of [{}, edge, current, { v: 'device', a: [], f: {} }])
      expect(() => upgradeDeviceSnapshot(garbage as StateSnapshot)).toThrow(
        /not a tagwise device snapshot/,
      )
  })
})
