import fc from 'fast-check'
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { EventStore } from '../../collector/profile/event-store.ts'
import { MergeStaging } from '../../collector/profile/merge-staging.ts'
import { uniqueId } from './helpers.ts'
import { createScratchTables, SCHEMA_FORMS, type SchemaForm } from './rowid-schema.ts'

// A merge's events staged in memory (small merged profiles) or in the table `merging` (large
// ones, or all of them with no memory): the merge must count and store the same events in the
// same order either way, a source moving from memory to the table midway included.

const NOW = Date.UTC(2025, 5, 1)

interface Page {
  source: number
  ids: number[]
}

const pageArbitrary: fc.Arbitrary<Page> = fc.record({
  source: fc.integer({ min: 0, max: 1 }),
  // Ids shared between sources and with the target's own events, pages sent again.
  ids: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 5 }),
})

/** Stages `pages`, then merges each source in turn; what the merge read and stored. */
function merge(form: SchemaForm, memoryChars: number, own: number[], pages: readonly Page[]) {
  return runInDurableObject(env.PROFILES.getByName(uniqueId('scratch')), (_, state) => {
    const sql = state.storage.sql
    createScratchTables(sql, form)
    const events = new EventStore(sql)
    const staging = new MergeStaging(sql, events, memoryChars)
    const event = (id: number, source: string) => ({
      messageId: `m${id}`,
      // Equal timestamps: the messageId orders them (a non-ASCII one included).
      ts: NOW + (id % 3),
      receivedAt: NOW,
      event: { id, source },
    })
    events.add(own.map((id) => event(id, 'own')))
    for (const page of pages)
      staging.stage(
        `s${page.source}`,
        page.ids.map((id) => ({
          ...event(id, `s${page.source}`),
          messageId: id === 7 ? 'mé' : `m${id}`,
        })),
      )
    const merged = [0, 1].map((source) => {
      const name = `s${source}`
      const counted = staging.count(name)
      const fresh = [...staging.fresh(name)]
      staging.moveToEvents(name)
      return { counted, fresh }
    })
    const stored = [...events.after(0)]
    const left = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM merging`).one().n
    return { merged, stored, left }
  })
}

describe.each(SCHEMA_FORMS)('MergeStaging, tables %s', (form) => {
  it('counts and stores the same events in memory as in the table, spilling midway', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { maxLength: 4 }),
        fc.array(pageArbitrary, { maxLength: 6 }),
        async (own, pages) => {
          const table = await merge(form, 0, own, pages)
          expect(await merge(form, 1_000_000, own, pages)).toEqual(table)
          // Room for a few events: sources move to the table as their pages come.
          expect(await merge(form, 120, own, pages)).toEqual(table)
          expect(table.left).toBe(0)
        },
      ),
      { numRuns: 40 },
    )
  })
})
