import { describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { compileRules, type ProfileState } from '../../rules/index.ts'
import { generateEvents, shuffle } from '../support/events.ts'
import { admin, json, post } from './helpers.ts'

const DAY = 86_400_000

interface View {
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
  evaluatedAt: string
}

describe('parity with the engine', () => {
  it('gives each profile the tags and metrics the engine computes from the same events', async () => {
    const now = Date.now()
    const days = 110
    const events = generateEvents({
      seed: 3,
      visitors: 10,
      days,
      start: new Date(now - days * DAY).toISOString(),
    })
    // Shuffled and split into batches: arrival order must not matter.
    const shuffled = shuffle(events, 11)
    for (let i = 0; i < shuffled.length; i += 400) {
      const body = await json(await post('/v1/batch', { batch: shuffled.slice(i, i + 400) }))
      expect(body.rejected).toEqual([])
    }

    // The engine on its own, one state per profile key (userId, else anonymousId).
    const rules = compileRules(catalog)
    const states = new Map<string, ProfileState>()
    for (const event of events) {
      const key = (event.userId ?? event.anonymousId) as string
      let state = states.get(key)
      if (!state) states.set(key, (state = rules.createState()))
      expect(state.ingest(event).status).toBe('counted')
    }
    expect(states.size).toBeGreaterThan(10)

    for (const [profile, state] of states) {
      const view = await json<View>(await admin(`/v1/profiles/${encodeURIComponent(profile)}`))
      const expected = state.evaluate(Date.parse(view.evaluatedAt))
      expect(view.tags, profile).toEqual(expected.tags)
      expect(view.metrics, profile).toEqual(expected.metrics)
    }
  })
})
