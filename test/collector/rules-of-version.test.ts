import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { Env } from '../../collector/env.ts'
import { activeRules } from '../../collector/rules/active-rules.ts'
import { rulesOfVersion } from '../../collector/rules/rules-of-version.ts'
import { largestDocument } from '../support/largest-document.ts'
import { json } from './helpers.ts'
import { postPreview } from './preview-helpers.ts'

// A preview's profiles compile the draft (and the active side) once per isolate and keep it. A
// compiled document near the 1 MB limit keeps about 18 MB of heap (README, "At the limits of the
// language"): the eight documents kept before, by count alone, would pass an isolate's 128 MB
// after a few previews of large drafts. Kept now: at most two documents of the largest size.

/** `env` whose rules object counts the documents profiles fetch from it (`text`). */
function countingTexts(): { env: Env; fetched: string[] } {
  const fetched: string[] = []
  const rules = new Proxy(env.RULES, {
    get(target, key) {
      if (key !== 'getByName') return Reflect.get(target, key, target)
      return (name: string) =>
        new Proxy(target.getByName(name), {
          get(stub, method) {
            if (method !== 'text') return Reflect.get(stub, method, stub)
            return (version: string) => {
              fetched.push(version)
              return stub.text(version)
            }
          },
        })
    },
  })
  return { env: { ...env, RULES: rules }, fetched }
}

/** A kept preview's draft of about 0.9 MB (`seed` makes it differ): its version. */
async function largeDraft(seed: number): Promise<string> {
  const response = await postPreview(largestDocument(seed).document)
  expect([200, 202]).toContain(response.status)
  return (await json<{ draft: string }>(response)).draft
}

describe('the documents a profile isolate keeps compiled', () => {
  it('are at most two of the largest size: a third evicts the oldest', async () => {
    const drafts = [await largeDraft(11), await largeDraft(12), await largeDraft(13)]
    expect(new Set(drafts).size).toBe(3)
    const counting = countingTexts()
    for (const draft of drafts) expect(await rulesOfVersion(counting.env, draft)).toBeDefined()
    expect(counting.fetched).toEqual(drafts)
    // The two latest are kept...
    await rulesOfVersion(counting.env, drafts[1]!)
    await rulesOfVersion(counting.env, drafts[2]!)
    expect(counting.fetched).toHaveLength(3)
    // ...the first was dropped, and is fetched again (before: all three kept, 144 MB for eight).
    await rulesOfVersion(counting.env, drafts[0]!)
    expect(counting.fetched).toEqual([...drafts, drafts[0]])
  })

  it('take the active version from the rules this isolate runs, without compiling it again', async () => {
    const counting = countingTexts()
    const active = await activeRules(counting.env)
    expect(await rulesOfVersion(counting.env, active.version)).toBe(active.rules)
    expect(counting.fetched).toEqual([])
  })
})
