import type { Source } from './sources.ts'

const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

/** The HMAC-SHA256 key of an identity secret, imported once per isolate. */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    keys.set(secret, key)
  }
  return key
}

/**
 * `hex(HMAC-SHA256(secret, userId))`: the `userHash` a site's backend computes for its signed-in
 * user (Node: `crypto.createHmac('sha256', secret).update(userId).digest('hex')`).
 */
export async function userHash(secret: string, userId: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(userId))
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** 64 hex digits (either case) as 32 bytes, or `undefined`. Plain string work, no regex. */
function hexBytes(text: string): Uint8Array | undefined {
  if (text.length !== 64) return undefined
  const bytes = new Uint8Array(32)
  for (let i = 0; i < 32; i++) {
    const byte = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16)
    const pair = text.slice(2 * i, 2 * i + 2).toLowerCase()
    if (Number.isNaN(byte) || byte.toString(16).padStart(2, '0') !== pair) return undefined
    bytes[i] = byte
  }
  return bytes
}

/**
 * Whether a request from `source` may name `userId` (spec: collector.md, secure mode): a server
 * source always may; a browser source only with `hash` = the userId's HMAC under its identity
 * secret, compared in constant time.
 */
export async function provesUser(source: Source, userId: string, hash: unknown): Promise<boolean> {
  if (source.server) return true
  if (source.identitySecret === undefined || typeof hash !== 'string') return false
  const given = hexBytes(hash)
  if (!given) return false
  const expected = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(source.identitySecret),
    encoder.encode(userId),
  )
  return crypto.subtle.timingSafeEqual(expected, given)
}

/** The error of an event or read that names a userId without proving it. */
export const UNPROVEN_USER =
  "userId needs a valid userHash (hex HMAC-SHA256 of the userId with the source's identity secret, computed by the site's backend)"
