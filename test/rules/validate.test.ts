import { describe, expect, it } from 'vitest'
import { checkRules, compileRules, RulesError } from '../../rules/index.ts'

const count = { events: { event: 'Coupon Claimed' }, agg: 'count', window: '30d' }
const base = () => ({
  version: 1,
  metrics: { coupon_claims: { ...count } },
  tags: {} as Record<string, unknown>,
})
const problemsOf = (doc: unknown) => checkRules(doc).problems.map((p) => `${p.path}: ${p.message}`)

describe('checkRules', () => {
  it('accepts a valid document and summarizes it', () => {
    const doc = base()
    doc.tags.hunter = { when: { '>=': [{ var: 'metrics.coupon_claims' }, 3] } }
    expect(checkRules(doc)).toMatchObject({
      ok: true,
      problems: [],
      summary: { metrics: 1, tags: 1, deviceTags: 0 },
    })
  })

  it('takes a session timeout from one second to a day, in minutes', () => {
    const withTimeout = (timeoutMinutes: unknown) => ({ ...base(), session: { timeoutMinutes } })
    for (const fine of [1 / 60, 0.5, 1 / 3, 30, 1440])
      expect(problemsOf(withTimeout(fine))).toEqual([])
    for (const bad of [5e-324, 0.001, 0, -1, 1441, 1e308, '30'])
      expect(problemsOf(withTimeout(bad))).toEqual([
        `session.timeoutMinutes: expected a number of minutes from 1 second (1/60) to 1440 (a day) (got ${typeof bad === 'string' ? `"${bad}"` : bad})`,
      ])
  })

  it('suggests the closest metric for an unknown one', () => {
    const doc = base()
    doc.tags.coupon_hunter = { when: { '>=': [{ var: 'metrics.coupon_claim' }, 3] } }
    expect(problemsOf(doc)).toEqual([
      'tags.coupon_hunter.when: unknown metric "coupon_claim" (did you mean "coupon_claims"?)',
    ])
  })

  it('reports every problem at once, each with its JSON path', () => {
    const doc = {
      version: 2,
      metrics: {
        Bad: { ...count },
        no_field: { agg: 'sum', window: '1d' },
        bad_window: { agg: 'count', window: '0d' },
        bad_agg: { agg: 'median', window: '1d' },
        too_long: { agg: 'count', window: '3651d' },
        bad_type: { events: { type: 'click' }, agg: 'count', window: 'lifetime' },
      },
      tags: {
        t1: { when: { '>': [{ var: 'tags.t2' }, 1] } },
        t2: { when: { var: 'tags.t1' } },
        tiers_bad: { tiers: { of: 1, cuts: [500, 100], labels: ['a', 'b'] } },
        two_kinds: { when: true, value: 1 },
        unknown_op: { when: { var2: 'x' } },
        bad_root: { when: { var: 'foo.bar' } },
        typo: { when: true, descripton: 'x' },
        bad_status: { when: true, status: 'gold' },
      },
    }
    const problems = problemsOf(doc)
    const expected = [
      /^version: must be 1/,
      /^metrics\.Bad: bad metric id "Bad"/,
      /^metrics\.no_field\.field: "sum" needs "field"/,
      /^metrics\.bad_window\.window: expected "session", "lifetime"/,
      /^metrics\.bad_agg\.agg: unknown aggregation "median"/,
      /^metrics\.too_long\.window: .*3650d/,
      /^metrics\.bad_type\.events\.type: expected one of track, page/,
      /^tags\.t\d: tags form a cycle: t\d → t\d → t\d/,
      /^tags\.tiers_bad\.tiers\.cuts: cuts must be strictly ascending/,
      /^tags\.tiers_bad\.tiers\.labels: 2 cuts make 3 tiers/,
      /^tags\.two_kinds: a tag has exactly one kind/,
      /^tags\.unknown_op\.when.*unknown operation "var2" \(did you mean "var"\?\)/,
      /^tags\.bad_root\.when: unknown data path "foo\.bar"/,
      /^tags\.typo\.descripton: unknown field "descripton" \(did you mean "description"\?\)/,
      /^tags\.bad_status\.status: expected one of draft, certified, deprecated/,
    ]
    for (const pattern of expected)
      expect(
        problems.some((p) => pattern.test(p)),
        `${pattern} in\n${problems.join('\n')}`,
      ).toBe(true)
  })

  it('rejects unknown tags and self references', () => {
    const doc = base()
    doc.tags.a = { when: { var: 'tags.bb' } }
    doc.tags.b = { when: { var: 'tags.b' } }
    const problems = problemsOf(doc)
    expect(problems).toContain('tags.a.when: unknown tag "bb" (did you mean "b"?)')
    expect(problems.some((p) => p.startsWith('tags.b.when: tag "b" reads itself'))).toBe(true)
  })

  it('rejects expressions deeper than 32 or larger than 2,000 nodes', () => {
    let deep: unknown = 1
    for (let i = 0; i < 40; i++) deep = { '!': [deep] }
    const doc = base()
    doc.tags.deep = { when: deep }
    doc.tags.big = { when: { and: Array.from({ length: 2100 }, () => true) } }
    const problems = problemsOf(doc)
    expect(problems.some((p) => p.startsWith('tags.deep.when') && /32/.test(p))).toBe(true)
    expect(problems.some((p) => p.startsWith('tags.big.when') && /2,?000/.test(p))).toBe(true)
  })

  it('rejects documents over 1 MB and too many metrics or tags', () => {
    const huge = JSON.stringify({ ...base(), padding: 'x'.repeat(1_100_000) })
    expect(problemsOf(huge)).toEqual([expect.stringMatching(/larger than 1 MB/)])
    const many = base() as {
      version: number
      metrics: Record<string, unknown>
      tags: Record<string, unknown>
    }
    for (let i = 0; i < 501; i++) many.metrics[`m${i}`] = { ...count }
    for (let i = 0; i < 1001; i++) many.tags[`t${i}`] = { when: true }
    const problems = problemsOf(many)
    expect(problems).toContain('metrics: too many metrics: 502 (at most 500)')
    expect(problems).toContain('tags: too many tags: 1001 (at most 1000)')
  })

  it('reports malformed input plainly, never a stack trace', () => {
    expect(problemsOf('{"version": 1,')).toEqual([expect.stringMatching(/^: not valid JSON/)])
    expect(problemsOf('[]')).toEqual([expect.stringMatching(/expected a JSON object/)])
    expect(problemsOf({ version: 1, metrics: [], tags: 'x' })).toEqual([
      expect.stringMatching(/^metrics: expected an object/),
      expect.stringMatching(/^tags: expected an object/),
    ])
    expect(
      problemsOf({
        version: 1,
        metrics: { m: { agg: 'count', window: 'lifetime', events: { where: { nope: 1 } } } },
        tags: {},
      }),
    ).toEqual([expect.stringMatching(/^metrics\.m\.events\.where.*unknown operation "nope"/)])
  })

  it('warns about comparisons of nullable metrics without a null guard', () => {
    const doc = {
      version: 1,
      metrics: {
        last_order: { events: { event: 'Order Completed' }, agg: 'since_last', window: 'lifetime' },
      },
      tags: {
        unguarded: { when: { '>': [{ var: 'metrics.last_order' }, { days: 90 }] } },
        guarded: {
          when: {
            and: [
              { '!==': [{ var: 'metrics.last_order' }, null] },
              { '>': [{ var: 'metrics.last_order' }, { days: 90 }] },
            ],
          },
        },
      },
    }
    const result = checkRules(doc)
    expect(result.ok).toBe(true)
    expect(result.warnings.map((w) => w.path)).toEqual(['tags.unguarded.when'])
  })

  it('classifies tags reading only session metrics as device-evaluable', () => {
    const doc = {
      version: 1,
      metrics: {
        s: { agg: 'count', window: 'session' },
        d: { agg: 'count', window: '1d' },
      },
      tags: {
        live: { when: { var: 'metrics.s' } },
        durable: { when: { var: 'metrics.d' } },
        mixed_via_tag: { when: { and: [{ var: 'metrics.s' }, { var: 'tags.durable' }] } },
        traits_only: { when: { var: 'traits.vip' } },
      },
    }
    expect(checkRules(doc).summary.deviceTags).toBe(3)
    const info = Object.fromEntries(compileRules(doc).tags.map((t) => [t.id, t.evaluatedOn]))
    expect(info).toEqual({
      live: 'device',
      durable: 'edge',
      mixed_via_tag: 'device',
      traits_only: 'device',
    })
  })
})

describe('compileRules', () => {
  it('throws a RulesError listing every problem', () => {
    try {
      compileRules({ version: 1, metrics: { m: { agg: 'nope', window: 'x' } }, tags: {} })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(RulesError)
      expect((error as RulesError).problems).toHaveLength(2)
    }
  })
})
