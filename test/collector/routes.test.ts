import { SmartRouter } from 'hono/router/smart-router'
import { describe, expect, it } from 'vitest'
import { app } from '../../collector/app.ts'
import { EVENT_TYPES } from '../../rules/index.ts'
import { json, postAsServer, uniqueId } from './helpers.ts'

/** A minimal valid event of `type` for the single-event routes (the type comes from the path). */
function eventOf(type: string, id: string): Record<string, unknown> {
  const event: Record<string, unknown> = { userId: id, messageId: `${id}-${type}` }
  if (type === 'track') event.event = 'Route Checked'
  if (type === 'alias') event.previousId = `${id}-before`
  if (type === 'group') event.groupId = 'group-1'
  return event
}

describe('the ingest routes', () => {
  it('take one event of each type by its path, and no other type', async () => {
    const id = uniqueId('routes')
    for (const type of EVENT_TYPES) {
      const response = await postAsServer(`/v1/${type}`, eventOf(type, id))
      expect(response.status, type).toBe(200)
      expect(await json(response), type).toMatchObject({ accepted: 1, rejected: [] })
    }
    const unknown = await postAsServer('/v1/purchase', eventOf('track', id))
    expect(unknown.status).toBe(404)
  })

  it('are routed by one regular expression (RegExpRouter), not a trie searched per request', async () => {
    // Hono's SmartRouter picks its router on the first request: RegExpRouter unless a route
    // cannot be compiled into its expression (a `/:param` beside static routes could not).
    await postAsServer('/v1/track', eventOf('track', uniqueId('routes')))
    const router = app.router
    if (!(router instanceof SmartRouter)) throw new Error(`the app runs on ${router.name}`)
    expect(router.activeRouter.name).toBe('RegExpRouter')
  })
})
