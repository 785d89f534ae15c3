// Previews run in turn: the rules object's alarm ran a page of every running preview at once, so
// profiles of one isolate asked for several drafts at a time. A profile isolate keeps at most 2 MB
// of text compiled (`rules-of-version.ts`): three drafts near 1 MB evicted one another, and each
// was fetched and compiled again and again (≈ 430 ms of CPU per compile on Cloudflare): 5 fetches
// for 3 drafts over 12 profiles, 12–13 over 40 (10 pages). Now one preview runs at a time.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import type { PreviewStatus } from '../../collector/rules/preview.ts'
import { RulesDO } from '../../collector/rules/rules-do.ts'
import { largestDocument } from '../support/largest-document.ts'
import { json } from './helpers.ts'
import {
  ACTIVE,
  DRAFT,
  nextPage,
  postPreview,
  previewStatus,
  putRules,
  sendPeople,
} from './preview-helpers.ts'

const order = (revenue: number, daysAgo: number) => ({ order: true, revenue, daysAgo })
const view = { order: false, revenue: 0, daysAgo: 2 }

/** 12 profiles: more than PREVIEW_INLINE_PROFILES (10), so previews run in the alarm, 3 pages. */
let people: Promise<string[]> | undefined
const setUp = () =>
  (people ??= (async () => {
    expect((await putRules(ACTIVE)).status).toBe(200)
    return sendPeople(
      Array.from({ length: 12 }, (_, n) =>
        n % 3 === 0 ? [view, view] : [order(250 * n, n * 3), view],
      ),
    )
  })())

/** Starts a preview of `draft` that runs in the alarm. */
async function start(draft: unknown): Promise<PreviewStatus> {
  const response = await postPreview(draft)
  expect(response.status).toBe(202)
  return json<PreviewStatus>(response)
}

/** Runs the rules object's alarm until no preview of `ids` runs; their final states. */
async function runAll(ids: readonly string[]): Promise<PreviewStatus[]> {
  for (let pages = 0; pages < 100; pages++) {
    const states = await Promise.all(ids.map(previewStatus))
    if (states.every((status) => status.state !== 'running')) return states
    await nextPage()
  }
  throw new Error('the previews did not finish in 100 pages')
}

/** What a preview found, without what differs between two runs of it (its id and times). */
const result = ({ id: _, startedAt: __, finishedAt: ___, ...found }: PreviewStatus) => found

afterEach(() => {
  vi.restoreAllMocks()
})
afterAll(async () => {
  expect((await putRules(catalog)).status).toBe(200)
})

describe('running previews', () => {
  it('three large drafts: each is fetched and compiled once per isolate, not page after page', async () => {
    await setUp()
    const fetched = vi.spyOn(RulesDO.prototype, 'text')
    const drafts = [21, 22, 23].map((seed) => largestDocument(seed).document)
    const started = []
    for (const draft of drafts) started.push(await start(draft))
    const done = await runAll(started.map((status) => status.id))
    for (const status of done)
      expect(status).toMatchObject({ state: 'done', profiles: 12, failed: 0 })
    const versions = started.map((status) => status.draft)
    const fetches = fetched.mock.calls
      .map(([version]) => version)
      .filter((v) => versions.includes(v))
    // One fetch per draft: each preview runs alone, so its draft stays compiled to its end.
    expect(fetches.sort()).toEqual([...versions].sort())
  })

  it('a preview started while another runs: each counts every profile once', async () => {
    const profiles = await setUp()
    const other = { ...DRAFT, tags: { ...DRAFT.tags, buyer: { when: { '>=': [1, 0] } } } }
    // Alone, one after the other: the reference results.
    const [alone] = await runAll([(await start(DRAFT)).id])
    const [otherAlone] = await runAll([(await start(other)).id])
    expect(alone).toMatchObject({ state: 'done', profiles: profiles.length, failed: 0 })

    // Interleaved: the first runs a page, then the second starts and both go on to their end.
    const first = await start(DRAFT)
    await nextPage()
    expect(await previewStatus(first.id)).toMatchObject({ state: 'running', processed: 4 })
    const second = await start(other)
    // The newest runs first; the first waits at its cursor until no newer preview runs.
    await nextPage()
    expect(await previewStatus(first.id)).toMatchObject({ state: 'running', processed: 4 })
    expect(await previewStatus(second.id)).toMatchObject({ state: 'running', processed: 4 })
    const [firstDone, secondDone] = await runAll([first.id, second.id])
    expect(result(firstDone!)).toEqual(result(alone!))
    expect(result(secondDone!)).toEqual(result(otherAlone!))
  })
})
