import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { linkGroups, type IdentityLink } from '../../collector/ingest/identity-links.ts'

const idsOf = (group: readonly IdentityLink[]) => group.flatMap((link) => [link.from, link.to])

describe('linkGroups', () => {
  it('parts the links into groups that share no profile, each in the batch order', () => {
    const id = fc.constantFrom(
      'anonymous:a1',
      'anonymous:a2',
      'anonymous:a3',
      'u1',
      'u2',
      'u3',
      'u4',
    )
    const links = fc
      .array(fc.record({ from: id, to: id }), { maxLength: 12 })
      .map((pairs) => pairs.map((pair, at): IdentityLink => ({ ...pair, at })))
    fc.assert(
      fc.property(links, (links) => {
        const groups = linkGroups(links)
        // Every link once, and a group keeps the order the links came in (earliest first).
        expect(groups.flat().sort((a, b) => a.at - b.at)).toEqual(links)
        for (const group of groups) expect(group).toEqual([...group].sort((a, b) => a.at - b.at))
        // No profile in two groups.
        const owner = new Map<string, number>()
        groups.forEach((group, n) => {
          for (const profile of idsOf(group)) {
            expect(owner.get(profile) ?? n).toBe(n)
            owner.set(profile, n)
          }
        })
        // Each group is connected: from its first link, sharing profiles reaches every link.
        for (const group of groups) {
          const reached = new Set(idsOf(group.slice(0, 1)))
          for (let grew = true; grew;) {
            grew = false
            for (const link of group)
              if (
                (reached.has(link.from) || reached.has(link.to)) &&
                !(reached.has(link.from) && reached.has(link.to))
              ) {
                reached.add(link.from).add(link.to)
                grew = true
              }
          }
          expect(idsOf(group).every((profile) => reached.has(profile))).toBe(true)
        }
      }),
    )
  })

  it('gives each identify of its own visitor and user a group of its own', () => {
    const links = Array.from({ length: 500 }, (_, i) => ({
      from: `anonymous:a${i}`,
      to: `u${i}`,
      at: i,
    }))
    expect(linkGroups(links)).toHaveLength(500)
  })
})
