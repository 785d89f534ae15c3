import { describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { compileRules } from '../../rules/index.ts'
import { profileStates } from '../support/profile-states.ts'
import { generateEvents, shuffle, visitorsOf } from '../support/events.ts'
import { admin, get, json, postAsServer } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

const DAY = 86_400_000

interface View {
  profile: string
  aliases: string[]
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
  evaluatedAt: string
}

describe('parity with the engine (tagwise eval)', () => {
  it('gives each person, identify and alias merges included, the tags and metrics the engine computes', async () => {
    const now = Date.now()
    const days = 110
    const options = { seed: 3, visitors: 10, days, start: new Date(now - days * DAY).toISOString() }
    const events = generateEvents(options)
    expect(events.some((e) => e.type === 'alias')).toBe(true)
    // Shuffled and split into batches: arrival order must not matter, not even for identity links
    // (anonymous events may arrive before or after the identify that merges them).
    // Sent by the server source: an import of past events, user-to-user aliases included.
    const shuffled = shuffle(events, 11)
    for (let i = 0; i < shuffled.length; i += 400) {
      const body = await json(
        await postAsServer('/v1/batch', { batch: shuffled.slice(i, i + 400) }),
      )
      expect(body.rejected).toEqual([])
    }

    // The engine as `tagwise eval` runs it: an identity graph over all events, then one state per
    // profile key.
    const states = profileStates(compileRules(catalog), events, (result) =>
      expect(result.status).toBe('counted'),
    )
    const visitors = visitorsOf(options)
    expect([...states.keys()].sort()).toEqual(visitors.map((v) => v.profile).sort())

    for (const [profile, state] of states) {
      const view = await json<View>(await admin(`/v1/profiles/${encodeURIComponent(profile)}`))
      expect(view.profile).toBe(profile)
      const expected = state.evaluate(Date.parse(view.evaluatedAt))
      expect(view.tags, profile).toEqual(expected.tags)
      expect(view.metrics, profile).toEqual(expected.metrics)
    }
    for (const visitor of visitors.filter((v) => v.userId !== null)) {
      const view = await json<View>(
        await admin(`/v1/profiles/${anonymousProfile(visitor.anonymousId)}`),
      )
      expect(view.profile).toBe(visitor.userId)
      // A server's alias (previousId, no anonymousId) also joins the empty user of that string.
      expect(view.aliases.sort()).toEqual(
        visitor.aliased
          ? [anonymousProfile(visitor.anonymousId), visitor.anonymousId].sort()
          : [anonymousProfile(visitor.anonymousId)],
      )
      // The anonymous id's tag read follows the merge (the answer names no profile).
      const tags = await json<{ tags: unknown }>(
        await get(`/v1/tags?anonymousId=${visitor.anonymousId}`),
      )
      expect(tags.tags).toEqual(
        (await json<View>(await admin(`/v1/profiles/${visitor.userId}`))).tags,
      )
    }
  })
})
