/**
 * The credentials of an `Authorization` header of `scheme` (case-insensitive, per RFC 9110), or
 * `undefined` when the header is absent or of another scheme. Plain string work: no request data
 * reaches a regular expression.
 */
export function credentials(
  header: string | undefined,
  scheme: 'basic' | 'bearer',
): string | undefined {
  if (header === undefined || header.length > 4096) return undefined
  const space = header.indexOf(' ')
  if (space === -1 || header.slice(0, space).toLowerCase() !== scheme) return undefined
  return header.slice(space + 1).trim()
}
