import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  SEGMENT_EVENT_BYTES,
  SEGMENT_REQUEST_BYTES,
  SEGMENT_REQUEST_EVENTS,
  segmentIdentifies,
  segmentRequests,
} from '../../collector/export/segment-batches.ts'
import type { ExportMessage } from '../../collector/index.ts'
import { anonymousProfile } from '../../rules/index.ts'

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength

/**
 * The traits per profile as one identify per profile would give them (each tag's latest value by
 * time, ties by batch order; keys in the order tags first changed): the reference.
 */
function oneIdentifyPerProfile(prefix: string, messages: readonly ExportMessage[]) {
  const byProfile = new Map<string, Record<string, unknown>>()
  const latestAt = new Map<string, number>()
  for (const message of messages) {
    if (message.type !== 'tag.changed') continue
    const { profile, tag, to, at } = message.change
    const traits = byProfile.get(profile) ?? {}
    const key = `${profile}\n${tag}`
    if (!latestAt.has(key)) traits[`${prefix}${tag}`] = undefined
    if (at >= (latestAt.get(key) ?? -Infinity)) {
      traits[`${prefix}${tag}`] = to
      latestAt.set(key, at)
    }
    byProfile.set(profile, traits)
  }
  return byProfile
}

/** The profile an identify names, as the consumer names it (`anonymous:<id>` or the userId). */
const profileOf = (event: Record<string, unknown>) =>
  typeof event.userId === 'string' ? event.userId : anonymousProfile(String(event.anonymousId))

const profiles = ['u1', 'u2', anonymousProfile('a1'), anonymousProfile('a2')]
const message: fc.Arbitrary<ExportMessage> = fc.oneof(
  fc.record({
    type: fc.constant('tag.changed' as const),
    change: fc.record({
      id: fc.uuid(),
      profile: fc.constantFrom(...profiles),
      tag: fc.constantFrom(...Array.from({ length: 60 }, (_, i) => `t${i}`)),
      from: fc.constant(null),
      to: fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        // Up to the 1,000 characters a tag value may take, multi-byte ones included.
        fc.string({ unit: 'binary', maxLength: 1000 }),
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 30 }),
      ),
      at: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      rulesVersion: fc.constant('1'),
    }),
  }),
  fc.record({
    type: fc.constant('profile.deleted' as const),
    deletion: fc.record({
      id: fc.uuid(),
      profile: fc.constantFrom(...profiles),
      at: fc.nat(),
    }),
  }),
)

describe('Segment-compatible batches', () => {
  it('carry every change once, each identify and request within the limits, the traits the one identify per profile gave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { maxLength: 400 }),
        fc.constantFrom('', 'tw_'),
        async (messages, prefix) => {
          const { identifies, unsendable } = await segmentIdentifies(prefix, messages)
          expect(unsendable).toEqual([])
          // Every tag change is carried by exactly one identify; erasures by none.
          const carried = identifies.flatMap((identify) => identify.positions).sort((a, b) => a - b)
          const changes = messages.flatMap((m, i) => (m.type === 'tag.changed' ? [i] : []))
          expect(carried).toEqual(changes)
          // Merged in order, each profile's identifies give the traits of the one identify.
          const merged = new Map<string, Record<string, unknown>>()
          for (const { event, bytes: size } of identifies) {
            expect(size).toBe(bytes(event))
            expect(size).toBeLessThanOrEqual(SEGMENT_EVENT_BYTES)
            const profile = profileOf(event)
            merged.set(profile, { ...merged.get(profile), ...(event.traits as object) })
          }
          const reference = oneIdentifyPerProfile(prefix, messages)
          expect([...merged.keys()]).toEqual([...reference.keys()])
          for (const [profile, traits] of reference)
            expect(Object.entries(merged.get(profile)!)).toEqual(Object.entries(traits))
          // Requests keep the identifies in order, within the limits.
          const sentAt = new Date(0).toISOString()
          const requests = segmentRequests(identifies, bytes({ batch: [], sentAt }))
          expect(requests.flat()).toEqual(identifies)
          for (const request of requests) {
            expect(request.length).toBeLessThanOrEqual(SEGMENT_REQUEST_EVENTS)
            const body = { batch: request.map((identify) => identify.event), sentAt }
            expect(bytes(body)).toBeLessThanOrEqual(SEGMENT_REQUEST_BYTES)
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('fill requests: one is cut only where the next identify would pass 500,000 bytes or 500 events', async () => {
    const sentAt = new Date(0).toISOString()
    const wrapper = bytes({ batch: [], sentAt })
    const commit = (profiles: number, tags: number, value: string): ExportMessage[] =>
      Array.from({ length: profiles * tags }, (_, i) => ({
        type: 'tag.changed',
        change: {
          id: `c${i}`,
          profile: `u${i % profiles}`,
          tag: `t${Math.floor(i / profiles)}`,
          from: null,
          to: value,
          at: i,
          rulesVersion: '1',
        },
      }))
    // 100 profiles of 30 values of 900 characters: identifies of ~28 KB, ~2.8 MB in all.
    const large = (await segmentIdentifies('tw_', commit(100, 30, 'x'.repeat(900)))).identifies
    const byBytes = segmentRequests(large, wrapper)
    expect(byBytes.length).toBeGreaterThan(5)
    for (const [n, request] of byBytes.slice(0, -1).entries()) {
      const body = bytes({ batch: request.map((i) => i.event), sentAt })
      expect(body + 1 + byBytes[n + 1]![0]!.bytes).toBeGreaterThan(SEGMENT_REQUEST_BYTES)
    }
    // 1,200 profiles of one flag: requests of 500 identifies.
    const small = (await segmentIdentifies('tw_', commit(1200, 1, 'on'))).identifies
    expect(segmentRequests(small, wrapper).map((request) => request.length)).toEqual([
      500, 500, 200,
    ])
  })

  it('leave out, logged, a trait too large for an identify of its own, and send the others', async () => {
    const huge: ExportMessage = {
      type: 'tag.changed',
      change: {
        id: 'c0',
        profile: 'u1',
        tag: 'kept_before_the_bounds',
        from: null,
        to: 'x'.repeat(40_000),
        at: 1,
        rulesVersion: '1',
      },
    }
    const small: ExportMessage = {
      type: 'tag.changed',
      change: { ...huge.change, id: 'c1', tag: 'flag', to: true },
    }
    const { identifies, unsendable } = await segmentIdentifies('', [huge, small])
    expect(unsendable).toEqual([0])
    expect(identifies.map((i) => i.event.traits)).toEqual([{ flag: true }])
  })
})
