import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkRules, compileRules, type Evaluation, type ProfileState } from '../../rules/index.ts'
import { generateEvents, shuffle, visitorsOf, type Persona } from '../support/events.ts'

const text = readFileSync(new URL('../../examples/rules/catalog.json', import.meta.url), 'utf8')
const rules = compileRules(text)
const options = { seed: 7, visitors: 40, days: 120 }
const visitors = visitorsOf(options)
const events = generateEvents(options)
const now = Math.max(...events.map((e) => Date.parse(e.timestamp as string)))

/** The generator knows each visitor's profile key, so events can be routed without the CLI. */
function profiles(stream: Record<string, unknown>[]): Map<string, ProfileState> {
  const byId = new Map<string, string>()
  for (const v of visitors) {
    byId.set(v.anonymousId, v.profile)
    if (v.userId) byId.set(v.userId, v.profile)
  }
  const states = new Map<string, ProfileState>()
  for (const e of stream) {
    const key = byId.get((e.userId ?? e.anonymousId) as string)!
    if (!states.has(key)) states.set(key, rules.createState())
    states.get(key)!.ingest(e)
  }
  return states
}

const evaluations = new Map<string, Evaluation>()
for (const [key, state] of profiles(events)) evaluations.set(key, state.evaluate(now))
const tagsOf = (persona: Persona) =>
  visitors.filter((v) => v.persona === persona).map((v) => evaluations.get(v.profile)?.tags ?? {})

describe('the example catalog', () => {
  it('passes check with no warnings', () => {
    const result = checkRules(text)
    expect(result.problems).toEqual([])
    expect(result.warnings).toEqual([])
    expect(result.summary.deviceTags).toBeGreaterThanOrEqual(6)
  })

  it('scores every business traveler as one, and nobody else', () => {
    for (const tags of tagsOf('business'))
      expect(tags.business_traveler).toBeGreaterThanOrEqual(0.5)
    for (const persona of ['leisure', 'coupon_hunter', 'window_shopper', 'churned'] as const) {
      for (const tags of tagsOf(persona)) expect(tags.business_traveler).toBeUndefined()
    }
  })

  it('finds the coupon hunters, the window shoppers and the churned customers', () => {
    for (const tags of tagsOf('coupon_hunter')) expect(tags.coupon_hunter).toBe(true)
    for (const tags of tagsOf('window_shopper')) {
      expect(tags.window_shopper).toBe(true)
      expect(tags.lifecycle_stage).toBe('prospect')
    }
    for (const tags of tagsOf('churned')) expect(tags.lifecycle_stage).toBe('churned')
  })

  it('gives the same tags whatever order the events arrive in', () => {
    for (const [key, state] of profiles(shuffle(events, 99))) {
      expect(state.evaluate(now)).toEqual(evaluations.get(key))
    }
  })

  it('device-evaluated tags equal the edge values (parity)', () => {
    const device = new Set(rules.tags.filter((t) => t.evaluatedOn === 'device').map((t) => t.id))
    const states = profiles(events)
    // Mid-session moments too, where the session tags are live.
    const moments = [
      now,
      ...events.filter((_, i) => i % 997 === 0).map((e) => Date.parse(e.timestamp as string)),
    ]
    for (const [, state] of states) {
      for (const t of moments.slice(0, 6)) {
        const edge = state.evaluate(t)
        const durable = Object.fromEntries(
          Object.entries(edge.tags).filter(([id]) => !device.has(id)),
        )
        const onDevice = state.evaluate(t, { scope: 'device', durableTags: durable })
        const edgeDeviceTags = Object.fromEntries(
          Object.entries(edge.tags).filter(([id]) => device.has(id)),
        )
        expect(onDevice.tags).toEqual(edgeDeviceTags)
      }
    }
  })
})
