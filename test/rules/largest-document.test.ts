// The largest legal document (test/support/largest-document.ts: 500 metrics, 1,000 tags, a chain
// of 200 tags reading tags, close to 1 MB) checks, compiles and evaluates on the edge and on the
// device alike, its snapshot restores, and its deepest tag explains, with no stack overflow. Its
// figures are in `npm run bench rules` (no timed assertions here).
import { describe, expect, it } from 'vitest'
import { features } from '../../rules/device/rare-chunk.ts'
import {
  DOCUMENT_LIMITS,
  checkRules,
  compileRules,
  devicePlan,
  loadDeviceRules,
  parseEvent,
} from '../../rules/index.ts'
import type { TagValue } from '../../rules/index.ts'
import { generateEvents } from '../support/events.ts'
import { CHAIN_LENGTH, largestDocument } from '../support/largest-document.ts'

const { document, deepestTag } = largestDocument(1)

const text = JSON.stringify(document)
// One visitor of the generated site (the index in its messageIds), in input order.
const events = generateEvents({ seed: 11, visitors: 5, days: 120 }).filter(
  (event) => String(event.messageId).split('-')[1] === '2',
)
const now = Date.parse(String(events.at(-1)!.timestamp))

describe('the largest legal document', () => {
  it('is at the limits and checks', () => {
    expect(text.length).toBeLessThanOrEqual(DOCUMENT_LIMITS.bytes)
    expect(text.length).toBeGreaterThan(0.9 * DOCUMENT_LIMITS.bytes)
    const result = checkRules(JSON.parse(text))
    expect(result.problems).toEqual([])
    expect(result.summary).toMatchObject({
      metrics: DOCUMENT_LIMITS.metrics,
      tags: DOCUMENT_LIMITS.tags,
    })
  })

  it('evaluates alike on the edge, after a restore and on the device; explains its deepest tag', () => {
    const rules = compileRules(text)
    const state = rules.createState()
    for (const event of events) expect(state.ingest(event).status).toBe('counted')
    const edge = state.evaluate(now)
    expect(edge.errors).toBeUndefined()
    expect(Object.keys(edge.tags).length).toBeGreaterThan(100)
    expect(edge.nextChangeAt).toBeGreaterThan(now)

    const restored = rules.restore(JSON.parse(JSON.stringify(state.snapshot())))
    expect(restored.evaluate(now)).toEqual(edge)

    const explanation = restored.explain(deepestTag, now)
    expect(explanation.value).toBe(edge.tags[deepestTag] ?? null)
    expect(rules.tags.find((tag) => tag.id === deepestTag)!.tags).toEqual([
      `chain_${CHAIN_LENGTH - 2}`,
    ])

    // The device reads the edge's values of the tags it does not evaluate.
    const plan = devicePlan(rules.document)
    const onDevice = new Set(
      plan.tags.filter((tag) => tag.evaluatedOn === 'device').map((tag) => tag.id),
    )
    expect(onDevice.size).toBeGreaterThan(10)
    const durable: Record<string, TagValue> = {}
    for (const [id, value] of Object.entries(edge.tags)) if (!onDevice.has(id)) durable[id] = value
    const device = loadDeviceRules(rules.document, plan, features).createState()
    for (const event of events) {
      // The device takes events the SDK has validated.
      const parsed = parseEvent(event)
      if (parsed.ok) device.ingest(parsed.event.raw)
    }
    const deviceTags = device.evaluate(now, durable).tags
    for (const id of onDevice) expect([id, deviceTags[id]]).toEqual([id, edge.tags[id]])
  })
})
