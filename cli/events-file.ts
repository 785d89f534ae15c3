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

/**
 * The UTF-8 byte order mark, which Windows editors write at the start of a file: it is not part of
 * the file's first line, as `tagwise check` reads a rules file and the collector a request body
 * (RFC 8259 lets a parser ignore it). Read as text, it made line 1 "not valid JSON".
 */
const BOM = '\uFEFF'
const BOM_BYTES = Buffer.from(BOM)

/**
 * Calls `onLine` with every line and its 1-based number; flushes `err` between chunks. A byte
 * order mark that starts the file is dropped.
 */
export async function readLines(
  stream: Readable,
  err: Output,
  onLine: (line: string, n: number) => void,
): Promise<void> {
  const decoder = new StringDecoder('utf8')
  let partial: string[] = []
  let n = 0
  let atStart = true
  /** Passes on the lines that `text` ends, and keeps the start of the one it cuts. */
  const take = (text: string) => {
    // The decoder holds back a character cut between chunks: the first text it gives starts the file.
    if (atStart && text !== '') {
      atStart = false
      if (text.startsWith(BOM)) text = text.slice(BOM.length)
    }
    let start = 0
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      const piece = text.slice(start, end)
      if (partial.length === 0) onLine(piece, ++n)
      else {
        partial.push(piece)
        onLine(partial.join(''), ++n)
        partial = []
      }
      start = end + 1
    }
    if (start < text.length) partial.push(text.slice(start))
  }
  for await (const bytes of stream as AsyncIterable<Buffer>) {
    // Decoded in pieces: V8 keeps a string of 128 KB or more in its large-object space, where
    // decoding the 1 MB chunks at once cost 4 times as much (57 vs 15 ms for the 79 MB of the
    // large history in `npm run bench cli`). Reading smaller chunks costs more in reads instead.
    for (let at = 0; at < bytes.length; at += DECODED_PIECE)
      take(decoder.write(bytes.subarray(at, at + DECODED_PIECE)))
    await err.flush()
  }
  take(decoder.end())
  const last = partial.join('')
  if (last !== '') onLine(last, ++n)
}

/** Whether `bytes` start with a byte order mark (all of it: fewer bytes wait for the next chunk). */
const startsWithBom = (bytes: Buffer) =>
  bytes.length >= BOM_BYTES.length && bytes.subarray(0, BOM_BYTES.length).equals(BOM_BYTES)

/** How many bytes {@link readLines} decodes at once: a string of them stays a small object. */
const DECODED_PIECE = 1 << 16

/**
 * Calls `onLine` with every line that contains one of `needles`, and its 1-based number, as
 * {@link readLines} would, without decoding the other lines: UTF-8 keeps ASCII bytes as they are,
 * so a needle of ASCII characters is in a line's text exactly when its bytes are in the line's
 * bytes. A pass that reads few of the lines costs little more than reading the file. A byte
 * order mark that starts the file is dropped, as readLines drops it.
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
  let atStart = true
  /** Passes on the lines of `bytes` that hold a pattern, up to its last newline; keeps the rest. */
  const lines = (bytes: Buffer, final: boolean) => {
    // The next occurrence of each pattern at or after the current line's start.
    const next = patterns.map((pattern) => bytes.indexOf(pattern))
    let start = 0
    // The first bytes long enough to tell (or that end line 1, or the file) start the file.
    if (atStart && (bytes.length >= BOM_BYTES.length || bytes.includes(10) || final)) {
      atStart = false
      if (startsWithBom(bytes)) start = BOM_BYTES.length
    }
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
