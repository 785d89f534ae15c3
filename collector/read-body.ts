import { fail } from './http-error.ts'

/**
 * The request body as text, at most `limit` bytes: `413` as soon as it is known to be larger
 * (from `Content-Length`, else while streaming, so an oversized body is never buffered whole), `400`
 * when it is not UTF-8. `fix` tells the client what to do about a body too large.
 */
export async function readBody(
  request: Request,
  limit: number,
  fix = 'send fewer events per request',
): Promise<string> {
  const tooLarge = () => fail(413, `body over ${limit / 1024} KB: ${fix}`)
  const length = Number(request.headers.get('content-length') ?? 0)
  if (length > limit) throw tooLarge()
  if (!request.body) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    throw fail(400, 'body is not valid UTF-8: send JSON text')
  }
}
