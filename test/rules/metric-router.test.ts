// The metrics an event may feed, remembered by type and then by name (issue 19: two lookups of
// the event's own strings instead of a `type\0name` string built per event). Whatever is
// remembered, and past the limit of remembered pairs, each route is the metrics that accept it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { metricRouter } from '../../rules/metric/metric.ts'

const TYPES = ['page', 'track', 'identify', 'screen']
const NAMES = ['Order Completed', 'Page Left', 'x', '']

/** A metric that accepts some types, and (for `track`) some names or any. */
const metric = fc
  .tuple(fc.subarray(TYPES), fc.option(fc.subarray(NAMES), { nil: undefined }))
  .map(([types, names]) => ({
    accepts: (type: string, name: unknown) =>
      types.includes(type) &&
      (names === undefined ||
        (type === 'track' && typeof name === 'string' && names.includes(name))),
  }))
const name = fc.oneof(
  fc.constantFrom<unknown>(...NAMES, undefined, null, 7),
  fc.string({ maxLength: 3 }),
)

describe('metricRouter', () => {
  it('routes every (type, name) to the metrics that accept it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(metric, { maxLength: 6 }),
        fc.array(fc.tuple(fc.constantFrom(...TYPES, 'alias'), name), { maxLength: 60 }),
        (metrics, events) => {
          const route = metricRouter(metrics)
          for (const [type, eventName] of [...events, ...events])
            expect(route(type, eventName)).toEqual(
              metrics.filter((m) => m.accepts(type, eventName)),
            )
        },
      ),
      { numRuns: 500 },
    )
  })

  it('still routes past the 1,024 remembered pairs', () => {
    const route = metricRouter([{ accepts: (_type: string, n: unknown) => String(n).length > 3 }])
    for (let i = 0; i < 3000; i++) expect(route('track', String(i)).length).toBe(i >= 1000 ? 1 : 0)
  })
})
