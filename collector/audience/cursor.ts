import { fail } from '../http-error.ts'

// A page cursor is the last profile id of the page (keyset pagination: stable while profiles come
// and go), wrapped so that clients treat it as opaque. Any id is a valid place to resume, so a
// cursor forged or kept from another query is harmless.
const PREFIX = 'p1:'

/** The cursor that resumes after `profile`: base64url of `p1:<id>`. */
export function encodeCursor(profile: string): string {
  const bytes = new TextEncoder().encode(PREFIX + profile)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '')
}

/** The profile id a cursor resumes after; `400` for anything this API did not return. */
export function decodeCursor(cursor: string): string {
  const bad = () =>
    fail(
      400,
      '"cursor" is not one this API returned: send the "cursor" of the previous page, or omit it for the first page',
    )
  let text: string
  try {
    const binary = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'))
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0))
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    throw bad()
  }
  if (!text.startsWith(PREFIX)) throw bad()
  return text.slice(PREFIX.length)
}
