import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonListGroups } from '../../collector/d1-json-lists.ts'

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength

describe('JSON lists for D1', () => {
  it('keep every item in order, each group within the bound unless one item alone passes it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 300 }),
        fc.integer({ min: 2, max: 5000 }),
        (items, maxBytes) => {
          const groups = jsonListGroups(items, maxBytes)
          expect(groups.flat()).toEqual(items)
          expect(groups.length).toBeGreaterThan(0)
          for (const group of groups)
            if (group.length > 1) expect(bytes(group)).toBeLessThanOrEqual(maxBytes)
          // The fewest groups: the next group's first item would not have fitted.
          for (const [n, group] of groups.slice(0, -1).entries())
            expect(bytes([...group, groups[n + 1]![0]])).toBeGreaterThan(maxBytes)
        },
      ),
    )
  })

  it('make one empty group of an empty list, so that its statement still runs', () => {
    expect(jsonListGroups([])).toEqual([[]])
  })
})
