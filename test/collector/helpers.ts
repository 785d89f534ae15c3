import { SELF } from 'cloudflare:test'

export const BASE = 'https://collector.test'
/** The demo's browser source (.dev.vars.example): public writeKey, userIds proven by userHash. */
export const WRITE_KEY = 'demo-write-key'
/** The demo's server source: secret writeKey, no CORS, userIds trusted. */
export const SERVER_KEY = 'demo-server-key'
/** The browser source's identity secret (DEV_IDENTITY_SECRET in .dev.vars.example). */
export const IDENTITY_SECRET = 'dev-identity-secret'
/** Set for the test project in vitest.config.ts (locally it comes from .dev.vars). */
export const ADMIN_KEY = 'test-admin-key'

export const basic = (writeKey: string) => `Basic ${btoa(`${writeKey}:`)}`
export const bearer = (key: string) => `Bearer ${key}`

let counter = 0
/** An id unique to this test run, so tests never share a profile. */
export const uniqueId = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`

/**
 * A client address of its own for each request (`CF-Connecting-IP`), so that only the rate limit
 * tests, which send theirs, meet the per-address limits (vitest.config.ts makes them small).
 */
const anyAddress = () => ({ 'cf-connecting-ip': `2001:db8::${(counter++).toString(16)}` })

export const iso = (ms: number) => new Date(ms).toISOString()

/** POSTs JSON (or raw text) with the demo writeKey as Basic auth unless `headers` say otherwise. */
export function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return SELF.fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: basic(WRITE_KEY),
      ...anyAddress(),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** POSTs JSON with the server source's writeKey, as a site's backend sends. */
export const postAsServer = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  post(path, body, { authorization: basic(SERVER_KEY), ...headers })

/** `hex(HMAC-SHA256(secret, userId))`, as the site's backend computes it. */
export async function userHash(userId: string, secret = IDENTITY_SECRET): Promise<string> {
  const encoder = new TextEncoder()
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(userId))
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** GETs with the demo writeKey as Basic auth unless `headers` say otherwise. */
export function get(path: string, headers: Record<string, string> = {}) {
  return SELF.fetch(`${BASE}${path}`, {
    headers: { authorization: basic(WRITE_KEY), ...anyAddress(), ...headers },
  })
}

/** Calls an admin route with the test adminKey unless `headers` say otherwise. */
export function admin(path: string, init: RequestInit = {}) {
  return SELF.fetch(`${BASE}${path}`, {
    ...init,
    headers: { authorization: bearer(ADMIN_KEY), ...(init.headers as Record<string, string>) },
  })
}

/** The JSON body of an ingest response. */
export interface IngestBody {
  success: boolean
  accepted: number
  duplicates: number
  rejected: { index: number; messageId: string | null; error: string }[]
  tags?: Record<string, unknown>
  error?: string
}

export const json = <T = IngestBody>(response: Response) => response.json() as Promise<T>

/** A track event of `anonymousId` at `ms`. */
export const track = (
  anonymousId: string,
  event: string,
  ms: number,
  extra: Record<string, unknown> = {},
) => ({
  type: 'track',
  event,
  anonymousId,
  messageId: uniqueId('m'),
  timestamp: iso(ms),
  ...extra,
})
