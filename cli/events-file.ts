import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { StringDecoder } from 'node:string_decoder'
import { readError } from './cli-error.ts'
import type { Output } from './output.ts'

/**
 * Runs `use` with a way to open the events twice. A regular file is read twice; stdin or a pipe is
 * first copied to a temporary file (deleted afterwards), so memory never holds the events.
 */
export async function withEventsFile<T>(path: string, use: (open: () => Readable) => Promise<T>) {
  const highWaterMark = 1 << 20
  if (path !== '-') {
    const kind = await stat(path).catch((error: unknown) => {
      throw readError('events', path, error)
    })
    if (kind.isDirectory()) throw readError('events', path, { code: 'EISDIR' })
    if (kind.isFile()) return use(() => createReadStream(path, { highWaterMark }))
  }
  const dir = await mkdtemp(join(tmpdir(), 'tagwise-'))
  try {
    const spool = join(dir, 'events.ndjson')
    const input = path === '-' ? process.stdin : createReadStream(path, { highWaterMark })
    await pipeline(input, createWriteStream(spool)).catch((error: unknown) => {
      throw readError('events', path, error)
    })
    return await use(() => createReadStream(spool, { highWaterMark }))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Calls `onLine` with every line and its 1-based number; flushes `err` between chunks. */
export async function readLines(
  stream: Readable,
  err: Output,
  onLine: (line: string, n: number) => void,
): Promise<void> {
  const decoder = new StringDecoder('utf8')
  let partial: string[] = []
  let n = 0
  for await (const bytes of stream as AsyncIterable<Buffer>) {
    const chunk = decoder.write(bytes)
    let start = 0
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, end)
      if (partial.length === 0) onLine(piece, ++n)
      else {
        partial.push(piece)
        onLine(partial.join(''), ++n)
        partial = []
      }
      start = end + 1
    }
    if (start < chunk.length) partial.push(chunk.slice(start))
    await err.flush()
  }
  partial.push(decoder.end())
  const last = partial.join('')
  if (last !== '') onLine(last, ++n)
}
