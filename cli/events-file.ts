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
 * The longest line read, in characters (UTF-16 code units, as JavaScript counts a string): 32
 * times the collector's largest event (32 KB). Without a bound, a file without line feeds (a JSON
 * array of a million events, a broken export) was held whole, and past 512 MB the run ended in
 * "Invalid string length". A longer line is skipped as it streams by, never held.
 */
export const MAX_LINE_CHARS = 1_048_576

/** What {@link readLines} and {@link scanLines} do with lines past {@link MAX_LINE_CHARS}. */
export interface LongLines {
  /** Called with the number of each line that is longer (its text is not kept). */
  onTooLong?: (n: number) => void
  /** The bound, for tests. @default MAX_LINE_CHARS */
  maxChars?: number
}

/**
 * Calls `onLine` with every line and its 1-based number; flushes `err` between chunks. A byte
 * order mark that starts the file is dropped. A line longer than `maxChars` goes to `onTooLong`.
 */
export async function readLines(
  stream: Readable,
  err: Output,
  onLine: (line: string, n: number) => void,
  { onTooLong = () => {}, maxChars = MAX_LINE_CHARS }: LongLines = {},
): Promise<void> {
  const decoder = new StringDecoder('utf8')
  // The start of the line the last text cut, unless it is too long already.
  let partial: string[] = []
  let partialChars = 0
  let tooLong = false
  let n = 0
  let atStart = true
  const end = (piece: string) => {
    n++
    if (tooLong || partialChars + piece.length > maxChars) onTooLong(n)
    else if (partial.length === 0) onLine(piece, n)
    else {
      partial.push(piece)
      onLine(partial.join(''), n)
    }
    partial = []
    partialChars = 0
    tooLong = false
  }
  /** Passes on the lines that `text` ends, and keeps the start of the one it cuts. */
  const take = (text: string) => {
    // The decoder holds back a character cut between chunks: the first text it gives starts the file.
    if (atStart && text !== '') {
      atStart = false
      if (text.startsWith(BOM)) text = text.slice(BOM.length)
    }
    let start = 0
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', start)) {
      end(text.slice(start, at))
      start = at + 1
    }
    if (start < text.length && !tooLong) {
      partialChars += text.length - start
      if (partialChars > maxChars) {
        tooLong = true
        partial = []
      } else partial.push(text.slice(start))
    }
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
  if (tooLong || partialChars > 0) end('')
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
 * order mark that starts the file is dropped, as readLines drops it, and the lines readLines finds
 * too long are skipped (never held past 3 bytes per character allowed).
 */
export async function scanLines(
  stream: Readable,
  err: Output,
  needles: readonly string[],
  onLine: (line: string, n: number) => void,
  { maxChars = MAX_LINE_CHARS }: Pick<LongLines, 'maxChars'> = {},
): Promise<void> {
  const patterns = needles.map((needle) => Buffer.from(needle, 'latin1'))
  // A character is 1 to 3 bytes per UTF-16 code unit (4 bytes for 2), and a byte that is no
  // UTF-8 is one character: a line of more bytes than this is too long for readLines.
  const maxBytes = 3 * maxChars
  let rest: Buffer = Buffer.alloc(0)
  // Inside a line too long to hold: the bytes up to its line feed are dropped as they come.
  let skipping = false
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
      if (holds && end - start <= maxBytes) {
        const line = bytes.toString('utf8', start, end)
        if (line.length <= maxChars) onLine(line, n)
      }
      start = end + 1
    }
    return bytes.subarray(start)
  }
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let bytes = chunk
    if (skipping) {
      const end = bytes.indexOf(10)
      if (end === -1) continue
      // The long line ends here (readLines reports it).
      skipping = false
      n++
      bytes = bytes.subarray(end + 1)
    }
    // The line that spans the chunks is joined alone: joining the rest to the whole chunk copied
    // every chunk, a pass over the file's bytes.
    const end = rest.length ? bytes.indexOf(10) : -1
    if (end === -1) rest = lines(rest.length ? Buffer.concat([rest, bytes]) : bytes, false)
    else {
      lines(Buffer.concat([rest, bytes.subarray(0, end + 1)]), false)
      rest = lines(bytes.subarray(end + 1), false)
    }
    if (rest.length > maxBytes) {
      skipping = true
      rest = Buffer.alloc(0)
    }
    await err.flush()
  }
  if (rest.length) lines(rest, true)
}
