// @vitest-environment happy-dom
// Stored formats: a visitor whose browser holds what the previous version of the SDK stored
// (test/sdk/fixtures/storage-b0b1f7d.json, written by commit b0b1f7d's code through
// fixtures/capture-storage.ts) keeps their identity, session, queue and device state.
import 'fake-indexeddb/auto'
import { createStore, set } from 'idb-keyval'
import { describe, expect, it, vi } from 'vitest'
import fixture from './fixtures/storage-b0b1f7d.json' with { type: 'json' }
import { isLegacyDeviceSnapshot, upgradeDeviceSnapshot } from '../../rules/index.ts'
import { fakeCollector, fakeTime, settle, start } from './harness.ts'

/** The snapshots the SDK hands the device engine to restore. */
const restored = vi.hoisted(() => [] as unknown[])
vi.mock('../../rules/device/index.ts', async (importOriginal) => {
  const engine = await importOriginal<typeof import('../../rules/device/index.ts')>()
  return {
    ...engine,
    loadDeviceRules: (...args: Parameters<typeof engine.loadDeviceRules>) => {
      const rules = engine.loadDeviceRules(...args)
      return {
        ...rules,
        createState: (snapshot?: Parameters<typeof rules.createState>[0]) => {
          restored.push(snapshot)
          return rules.createState(snapshot)
        },
      }
    },
  }
})

const stored = fixture.indexedDb
const user = stored['fixture-visitor:user']

/** Puts the fixture where the browser keeps it: IndexedDB `tagwise`/`kv` and localStorage. */
async function restoreFixture() {
  const idb = createStore('tagwise', 'kv')
  for (const [key, value] of Object.entries(stored)) await set(key, value, idb)
  for (const [key, value] of Object.entries(fixture.localStorage))
    localStorage.setItem(key, JSON.stringify(value))
}

describe('data stored by the previous version', () => {
  it('keeps the anonymousId, userId, session, queue and device state', async () => {
    await restoreFixture()
    // A minute after the visitor's last event: the same session.
    fakeTime(user.lastActivity + 60_000)
    const collector = fakeCollector()
    // The cached rules are current (the collector answers 304).
    collector.state.etag = stored['fixture-visitor:rules'].etag
    const tw = start(collector, { writeKey: 'fixture-visitor', rules: 'remote', autoPage: false })
    await tw.ready
    expect(tw.user()).toEqual({
      anonymousId: user.anonymousId,
      userId: 'u-fixture',
      sessionId: user.sessionId,
    })
    // The device state as stored (the backup's, newer than IndexedDB's), in the engine's first
    // format: upgraded once, the same data, and handed to the engine.
    const backedUp = fixture.localStorage['fixture-visitor:backup'].state
    expect(isLegacyDeviceSnapshot(backedUp)).toBe(true)
    expect(restored.at(-1)).toEqual(upgradeDeviceSnapshot(backedUp))
    expect(tw.tags()).toMatchObject({ coupon_claimer: true, lifecycle_stage: 'active' })
    expect(tw.queued().events).toBe(3)
    tw.track('Product Viewed', { category: 'bags' })
    await tw.flush()
    const sent = collector.events()
    expect(sent.map((e) => e.messageId)).toEqual([
      ...stored['fixture-visitor:queue'].items.map((e) => e.messageId),
      expect.any(String),
    ])
    expect(sent.at(-1)).toMatchObject({
      anonymousId: user.anonymousId,
      userId: 'u-fixture',
      context: { sessionId: user.sessionId },
    })
    // Stored before secure mode: the userId has no userHash, and none is made up for it (the
    // collector asks for one; the site's next identify gives it).
    expect(user).not.toHaveProperty('userHash')
    expect(sent.at(-1)!.context).not.toHaveProperty('userHash')
    const read = collector.requests.find((r) => r.path === '/v1/tags')!
    expect(Object.fromEntries(new URL(read.url).searchParams)).toEqual({
      anonymousId: user.anonymousId,
      userId: 'u-fixture',
    })
    tw.identify('u-fixture', {}, { userHash: 'hash-u-fixture' })
    tw.track('Product Viewed', { category: 'bags' })
    await tw.flush()
    expect(collector.events().at(-1)!.context.userHash).toBe('hash-u-fixture')
  })

  it('counts the early events a page left before it was ready', async () => {
    await restoreFixture()
    const collector = fakeCollector()
    const tw = start(collector, { writeKey: 'fixture-early', autoPage: false })
    await tw.ready
    await tw.flush()
    await settle()
    const left = fixture.localStorage['fixture-early:early']
    expect(collector.events().map((e) => e.messageId)).toEqual(left.map((e) => e.messageId))
  })
})

describe('a stored identity without its session', () => {
  it('keeps the anonymousId and starts a new session with the next event', async () => {
    await set(
      'no-session:user',
      { anonymousId: 'anon-kept', lastActivity: Date.now() },
      createStore('tagwise', 'kv'),
    )
    const collector = fakeCollector()
    const tw = start(collector, { writeKey: 'no-session', autoPage: false })
    await tw.ready
    tw.track('Product Viewed', { category: 'bags' })
    await tw.flush()
    const [event] = collector.events()
    expect(event).toMatchObject({ anonymousId: 'anon-kept' })
    expect(event!.context.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/)
    expect(tw.user()).toEqual({ anonymousId: 'anon-kept', sessionId: event!.context.sessionId })
  })
})
