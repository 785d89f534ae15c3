// @vitest-environment happy-dom
// Secure mode on the device (spec/sdk.md, Transport; spec/collector.md, Keys and sources): the
// userHash the site's backend computed for a userId is kept with that userId, stored with it, and
// sent as `context.userHash` on the events that carry the userId and as `userHash` on tag reads.
import 'fake-indexeddb/auto'
import { createStore, set } from 'idb-keyval'
import { describe, expect, it, vi } from 'vitest'
import { fakeCollector, freshKey, settle, start } from './harness.ts'

/** The query of the collector's tag reads, in order. */
const tagReads = (collector: ReturnType<typeof fakeCollector>) =>
  collector.requests
    .filter((r) => r.path === '/v1/tags')
    .map((r) => Object.fromEntries(new URL(r.url).searchParams))

describe('identify with a userHash', () => {
  it('sends the hash as context.userHash on the identify and every later event', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.track('Before')
    tw.identify('u42', { vip: true }, { userHash: 'hash-u42' })
    tw.track('After')
    tw.page()
    await tw.flush()
    const [before, ...after] = collector.events()
    expect(before.context).not.toHaveProperty('userHash')
    expect(after.map((e) => [e.type, e.userId, e.context.userHash])).toEqual([
      ['identify', 'u42', 'hash-u42'],
      ['track', 'u42', 'hash-u42'],
      ['page', 'u42', 'hash-u42'],
    ])
    expect(tw.user()).not.toHaveProperty('userHash')
  })

  it('gives it to the events queued before ready that are attributed after the identify', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, rules: 'remote' })
    tw.track('Early, before identify')
    tw.identify('u1', {}, { userHash: 'hash-u1' })
    tw.track('Early, after identify')
    await tw.ready
    await tw.flush()
    expect(collector.events().map((e) => [e.event ?? e.type, e.context.userHash])).toEqual([
      ['Early, before identify', undefined],
      ['identify', 'hash-u1'],
      ['Early, after identify', 'hash-u1'],
    ])
  })

  it('sends it with the tag read', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    tw.identify('u 5', undefined, { userHash: 'hash-u5' })
    await tw.ready
    await vi.waitFor(() => expect(tagReads(collector)).toHaveLength(1))
    expect(tagReads(collector)[0]).toEqual({
      anonymousId: tw.user().anonymousId,
      userId: 'u 5',
      userHash: 'hash-u5',
    })
  })

  it('keeps the hash when the same user is identified again without one', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.identify('u1', {}, { userHash: 'hash-u1' })
    tw.identify('u1', { plan: 'pro' })
    tw.identify({ vip: true } as never)
    tw.track('After')
    await tw.flush()
    expect(collector.events().map((e) => e.context.userHash)).toEqual([
      'hash-u1',
      'hash-u1',
      'hash-u1',
      'hash-u1',
    ])
  })

  it('drops the hash when another user is identified without one (never one user with another’s hash)', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.identify('u1', {}, { userHash: 'hash-u1' })
    tw.identify('u2')
    tw.track('After')
    tw.identify('u3', {}, { userHash: 'hash-u3' })
    await tw.flush()
    expect(collector.events().map((e) => [e.userId, e.context.userHash])).toEqual([
      ['u1', 'hash-u1'],
      // Sent without a hash: the collector rejects these and says why.
      ['u2', undefined],
      ['u2', undefined],
      ['u3', 'hash-u3'],
    ])
  })

  it('ignores a hash given without a userId', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.identify(undefined, { vip: true }, { userHash: 'hash-of-nobody' })
    tw.track('After')
    await tw.flush()
    for (const event of collector.events()) expect(event.context).not.toHaveProperty('userHash')
  })

  it('is forgotten by reset()', async () => {
    const writeKey = freshKey()
    const collector = fakeCollector()
    const tw = start(collector, { writeKey, autoPage: false })
    await tw.ready
    tw.identify('u1', {}, { userHash: 'hash-u1' })
    tw.reset()
    tw.track('After reset')
    await tw.flush()
    await settle()
    const after = collector.events().at(-1)
    expect(after.userId).toBeUndefined()
    expect(after.context).not.toHaveProperty('userHash')
    const reload = fakeCollector()
    const again = start(reload, { writeKey, autoPage: false })
    await again.ready
    await vi.waitFor(() => expect(tagReads(reload)).toHaveLength(1))
    expect(tagReads(reload)[0]).toEqual({ anonymousId: tw.user().anonymousId })
  })
})

describe('alias with a userHash', () => {
  it('sends it on the alias and keeps it for the aliased user', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    tw.alias('u7', { userHash: 'hash-u7' })
    tw.track('After')
    await tw.flush()
    expect(collector.events().map((e) => [e.type, e.userId, e.context.userHash])).toEqual([
      ['alias', 'u7', 'hash-u7'],
      ['track', 'u7', 'hash-u7'],
    ])
  })
})

describe('the stored identity', () => {
  it('keeps the hash with the userId across a reload (tag read and events)', async () => {
    const writeKey = freshKey()
    const first = start(fakeCollector(), { writeKey, autoPage: false })
    await first.ready
    first.identify('u9', {}, { userHash: 'hash-u9' })
    await settle()
    const collector = fakeCollector()
    const again = start(collector, { writeKey, autoPage: false })
    await again.ready
    await vi.waitFor(() => expect(tagReads(collector)).toHaveLength(1))
    expect(tagReads(collector)[0]).toMatchObject({ userId: 'u9', userHash: 'hash-u9' })
    again.track('After reload')
    await again.flush()
    expect(collector.events()[0]).toMatchObject({
      userId: 'u9',
      context: { userHash: 'hash-u9' },
    })
  })

  it('keeps the hash through the backup a page leaves as it goes away', async () => {
    // Without IndexedDB only the synchronous backup of pagehide reaches the next page.
    vi.stubGlobal('indexedDB', undefined)
    const writeKey = freshKey()
    const first = start(fakeCollector(), { writeKey, autoPage: false })
    await first.ready
    first.identify('u9', {}, { userHash: 'hash-u9' })
    window.dispatchEvent(new Event('pagehide'))
    const collector = fakeCollector()
    const next = start(collector, { writeKey, autoPage: false })
    await next.ready
    next.track('After navigation')
    await next.flush()
    expect(collector.events().at(-1)).toMatchObject({
      userId: 'u9',
      context: { userHash: 'hash-u9' },
    })
  })

  it('keeps the hash another tab stored with its userId when this tab writes its session', async () => {
    const writeKey = freshKey()
    const a = start(fakeCollector(), { writeKey, autoPage: false })
    const b = start(fakeCollector(), { writeKey, autoPage: false })
    await Promise.all([a.ready, b.ready])
    a.identify('u1', {}, { userHash: 'hash-u1' })
    await settle()
    b.track('still anonymous in this tab')
    await settle()
    const collector = fakeCollector()
    const reload = start(collector, { writeKey, autoPage: false })
    await reload.ready
    await vi.waitFor(() => expect(tagReads(collector)).toHaveLength(1))
    expect(tagReads(collector)[0]).toMatchObject({ userId: 'u1', userHash: 'hash-u1' })
  })

  it('reads a hash only with the userId it was stored with', async () => {
    const writeKey = freshKey()
    await set(
      `${writeKey}:user`,
      { anonymousId: 'anon-kept', userHash: 'hash-without-user', sessionId: 's', lastActivity: 1 },
      createStore('tagwise', 'kv'),
    )
    const collector = fakeCollector()
    const tw = start(collector, { writeKey, autoPage: false })
    await tw.ready
    tw.track('After')
    await tw.flush()
    expect(collector.events()[0].context).not.toHaveProperty('userHash')
    expect(tagReads(collector)[0]).toEqual({ anonymousId: 'anon-kept' })
  })
})
