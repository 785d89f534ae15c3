import { isAscii } from 'node:buffer'
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
  // Whether the decoder may hold the first bytes of a character that the last chunk cut: only
  // when that chunk ended with a byte of a multi-byte character.
  let pending = false
  let partial: string[] = []
  let n = 0
  for await (const bytes of stream as AsyncIterable<Buffer>) {
    // Events are mostly ASCII, which Latin-1 reads as UTF-8 does: checking a chunk and copying it
    // as Latin-1 costs a quarter of decoding it (72 vs 20 ms for the 79 MB of the large history
    // in `npm run bench cli`, on Node 20).
    const ascii = !pending && isAscii(bytes)
    const chunk = ascii ? bytes.toString('latin1') : decoder.write(bytes)
    if (!ascii) pending = bytes.length > 0 && bytes[bytes.length - 1]! >= 0x80
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

/**
 * Calls `onLine` with every line that contains one of `needles`, and its 1-based number, as
 * {@link readLines} would, without decoding the other lines: UTF-8 keeps ASCII bytes as they are,
 * so a needle of ASCII characters is in a line's text exactly when its bytes are in the line's
 * bytes. A pass that reads few of the lines costs little more than reading the file.
 */
export async function scanLines(
  stream: Readable,
  err: Output,
  needles: readonly string[],
  onLine: (line: string, n: number) => void,
): Promise<void> {
  const patterns = needles.map((needle) => Buffer.from(needle, 'latin1'))
  let rest: Buffer = Buffer.alloc(0)
  let n = 0
  /** Passes on the lines of `bytes` that hold a pattern, up to its last newline; keeps the rest. */
  const lines = (bytes: Buffer, final: boolean) => {
    // The next occurrence of each pattern at or after the current line's start.
    const next = patterns.map((pattern) => bytes.indexOf(pattern))
    let start = 0
    while (start < bytes.length) {
      let end = bytes.indexOf(10, start)
      if (end === -1) {
        if (!final) break
        end = bytes.length
      }
      n++
      let holds = false
      for (let i = 0; i < next.length; i++) {
        if (next[i]! !== -1 && next[i]! < end) holds = true
        if (next[i]! !== -1 && next[i]! <= end) next[i] = bytes.indexOf(patterns[i]!, end + 1)
      }
      if (holds) onLine(bytes.toString('utf8', start, end), n)
      start = end + 1
    }
    return bytes.subarray(start)
  }
  for await (const bytes of stream as AsyncIterable<Buffer>) {
    // The line that spans the chunks is joined alone: joining the rest to the whole chunk copied
    // every chunk, a pass over the file's bytes.
    const end = rest.length ? bytes.indexOf(10) : -1
    if (end === -1) rest = lines(rest.length ? Buffer.concat([rest, bytes]) : bytes, false)
    else {
      lines(Buffer.concat([rest, bytes.subarray(0, end + 1)]), false)
      rest = lines(bytes.subarray(end + 1), false)
    }
    await err.flush()
  }
  if (rest.length) lines(rest, true)
}
