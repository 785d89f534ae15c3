import { fail } from './http-error.ts'

const FEWER_EVENTS = 'send fewer events per request'

/** A request body: its text and its size in bytes (UTF-8, as received). */
export interface Body {
  text: string
  bytes: number
}

/**
 * The request body as text, at most `limit` bytes: `413` as soon as it is known to be larger
 * (from `Content-Length`, else while streaming, so an oversized body is never buffered whole), `400`
 * when it is not UTF-8. `fix` tells the client what to do about a body too large.
 */
export async function readBody(
  request: Request,
  limit: number,
  fix = FEWER_EVENTS,
): Promise<string> {
  return (await readBodyBytes(request, limit, fix)).text
}

/**
 * `readBody`, with the body's size in bytes. A body sent with `Content-Encoding: gzip` (Segment's
 * server libraries with gzip on) is read decompressed, and `limit` bounds what it inflates to, so
 * a small body that inflates without end is refused as soon as it passes the limit; another
 * encoding is `415`.
 */
export async function readBodyBytes(
  request: Request,
  limit: number,
  fix = FEWER_EVENTS,
): Promise<Body> {
  const tooLarge = () => fail(413, `body over ${limit / 1024} KB: ${fix}`)
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase() || 'identity'
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip')
    throw fail(
      415,
      `Content-Encoding "${encoding}" is not supported: send the body as is or gzip it`,
    )
  const declared = request.headers.get('content-length')
  const length = Number(declared ?? 0)
  if (length > limit) throw tooLarge()
  if (!request.body) return { text: '', bytes: 0 }
  if (encoding !== 'identity') {
    const gunzip = new DecompressionStream('gzip')
    // The pipe fails when the read below gives up (too large, not gzip): that is handled there.
    request.body.pipeTo(gunzip.writable).catch(() => undefined)
    const inflated = gunzip.readable
    const bytes = await readWithin(
      inflated,
      limit,
      () => fail(413, `body over ${limit / 1024} KB (decompressed): ${fix}`),
      () => fail(400, 'body is not valid gzip (Content-Encoding: gzip)'),
    )
    return { text: decodeUtf8(bytes), bytes: bytes.byteLength }
  }
  // A declared length bounds what the network delivers (HTTP framing): read the body in one call,
  // far cheaper than a read per chunk (checked again, for a Request built in-process). Without
  // one (chunked), count while streaming, so an oversized body is never buffered whole.
  if (declared !== null && Number.isSafeInteger(length)) {
    const bytes = new Uint8Array(await request.arrayBuffer())
    if (bytes.byteLength > limit) throw tooLarge()
    return { text: decodeUtf8(bytes), bytes: bytes.byteLength }
  }
  const bytes = await readWithin(request.body, limit, tooLarge)
  return { text: decodeUtf8(bytes), bytes: bytes.byteLength }
}

/**
 * The bytes of `stream`, read a chunk at a time and given up (cancelled) as soon as they pass
 * `limit`; `unreadable` is thrown for a stream that fails (a body that is not gzip).
 */
async function readWithin(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  tooLarge: () => Error,
  unreadable?: () => Error,
): Promise<Uint8Array> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>
    try {
      chunk = await reader.read()
    } catch (error) {
      throw unreadable ? unreadable() : error
    }
    if (chunk.done) break
    size += chunk.value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge()
    }
    chunks.push(chunk.value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** `bytes` as text: `400` when they are not UTF-8. */
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw fail(400, 'body is not valid UTF-8: send JSON text')
  }
}
