// A collector speaking the HTTP API, for the mini-program fakes' requests (fake-runtime.ts): the
// catalog as rules, tags, and batches acknowledged unless a reply is scripted.
import catalog from '../../examples/rules/catalog.json' with { type: 'json' }
import type { RulesDocument } from '../../rules/index.ts'
import type { Reply, SentRequest } from './fake-runtime.ts'

export const CATALOG = catalog as unknown as RulesDocument

/** A collector speaking the HTTP API, with scriptable batch replies. */
export function fakeCollector() {
  const replies: Reply[] = []
  const batches: SentRequest[] = []
  const state = { tags: {} as Record<string, unknown> }
  const server = (request: SentRequest): Reply => {
    if (request.path === '/v1/rules')
      return { status: 200, body: CATALOG, headers: { ETag: '"v1"' } }
    if (request.path === '/v1/tags') return { status: 200, body: { tags: state.tags } }
    batches.push(request)
    return (
      replies.shift() ?? {
        status: 200,
        body: {
          success: true,
          accepted: request.body.batch.length,
          rejected: [],
          tags: state.tags,
        },
      }
    )
  }
  /** Events of the batches the collector acknowledged (200), in order. */
  const acked = () => batches.filter((b) => b.outcome === 200).flatMap((b) => b.body.batch as any[])
  return {
    server,
    state,
    batches,
    acked,
    /** Every event the collector received, acknowledged or not. */
    received: () => batches.flatMap((b) => b.body.batch as any[]),
    reply: (...next: Reply[]) => replies.push(...next),
  }
}
export type Collector = ReturnType<typeof fakeCollector>
