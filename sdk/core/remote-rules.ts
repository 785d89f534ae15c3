import type { DevicePlan, RulesDocument } from '../../rules/index.ts'
import type { HttpResponse } from './platform.ts'

/** A rules document with the ETag it was served with, and its device plan when the collector sent one. */
export interface CachedRules {
  document: RulesDocument
  etag?: string | null
  plan?: DevicePlan
}

/** An authorized `GET /v1/<path>` to the collector. */
export type Get = (path: string, headers?: Record<string, string>) => Promise<HttpResponse>

/**
 * `GET /v1/rules?device=1` (the document with its device plan; a collector without plans sends the
 * plain document), revalidating `cached` with `If-None-Match`. Resolves to the new document, to
 * `cached` when unchanged (304), or to `undefined` when it could not be loaded.
 */
export async function fetchRules(get: Get, cached?: CachedRules): Promise<CachedRules | undefined> {
  try {
    const response = await get(
      'rules?device=1',
      cached?.etag ? { 'if-none-match': cached.etag } : undefined,
    )
    // Not modified (304), or nothing better to be had.
    if (response.status !== 200) return cached
    const { device, ...document } = (await response.json()) as RulesDocument & {
      device?: DevicePlan
    }
    return { document, etag: response.headers.get('etag'), plan: device }
  } catch {
    return cached
  }
}
