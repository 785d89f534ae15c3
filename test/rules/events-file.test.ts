// How the CLI reads an events file (cli/events-file.ts): its lines are those of the decoded text
// (chunks decoded a piece at a time), and the identity pass's byte scan finds the same
// lines, with the same numbers and text, as decoding every line and keeping those that contain a
// needle, however the file is cut into chunks. A byte order mark that starts the file is not part of
// its first line, as `tagwise check` and the collector read a body.
import { Readable, Writable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readLines, scanLines } from '../../cli/events-file.ts'
import { Output } from '../../cli/output.ts'

const NEEDLES = ['\\u', '"userId"']
/** The UTF-8 byte order mark (U+FEFF) that Windows editors write at the start of a file. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf])

const silent = () => new Output(new Writable({ write: (_chunk, _encoding, done) => done() }))

/** `bytes` cut at `cuts` (positions, any order) into the chunks a stream delivers. */
function chunked(bytes: Buffer, cuts: number[]): Readable {
  const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks = [0, ...at, bytes.length]
    .slice(1)
    .map((end, i, ends) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end))
    .filter((chunk) => chunk.length > 0)
  return Readable.from(chunks)
}

async function collect(
  read: typeof readLines,
  bytes: Buffer,
  cuts: number[],
): Promise<[string, number][]> {
  const lines: [string, number][] = []
  await read(chunked(bytes, cuts), silent(), (line, n) => lines.push([line, n]))
  return lines
}

// Pieces of lines: the needles and near misses, multi-byte and invalid UTF-8, CR and LF.
const piece = fc.constantFrom(
  ...['"userId"', '"userId', 'userId"', '\\u', '\\', 'u', '"', 'a', '{}', '\n', '\r\n', '\n\n'].map(
    (text) => Buffer.from(text),
  ),
  Buffer.from('é漢😀'),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xff]),
  Buffer.from([0xf0, 0x9f]),
  BOM,
)

/** A file's bytes and the offsets where its stream cuts them into chunks. */
const chunkedFile = fc.record({
  bytes: fc.array(piece, { maxLength: 60 }).map((pieces) => Buffer.concat(pieces)),
  cuts: fc.array(fc.nat(), { maxLength: 8 }),
})

/** The lines of `chunks` as the UTF-8 decoder reads them, chunk by chunk, split at line feeds. */
function decodedLines(chunks: Buffer[]): [string, number][] {
  const decoder = new StringDecoder('utf8')
  const text = chunks.map((chunk) => decoder.write(chunk)).join('') + decoder.end()
  const lines = text.replace(/^\uFEFF/, '').split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines.map((line, i) => [line, i + 1])
}

describe('readLines', () => {
  it('reads the lines of the text a UTF-8 decoder makes of the chunks (property)', async () => {
    await fc.assert(
      fc.asyncProperty(chunkedFile, async ({ bytes, cuts }) => {
        const chunks: Buffer[] = await chunked(bytes, cuts).toArray()
        expect(await collect(readLines, bytes, cuts)).toEqual(decodedLines(chunks))
      }),
      { numRuns: 2_000 },
    )
  })

  it('reads chunks larger than it decodes at once, characters cut anywhere (property)', async () => {
    // Lines of 1 to 4-byte characters: every offset of a piece boundary cuts some character.
    const text = Array.from({ length: 30_000 }, (_, i) => `${'aé漢😀'.slice(0, (i % 5) + 1)}\n`)
    const bytes = Buffer.from(text.join(''))
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 3 }), async (cuts) => {
        const chunks: Buffer[] = await chunked(bytes, cuts).toArray()
        expect(await collect(readLines, bytes, cuts)).toEqual(decodedLines(chunks))
      }),
      { numRuns: 20 },
    )
  })

  it('reads a character cut between chunks, whatever follows it', async () => {
    const euro = Buffer.from('€')
    const bytes = Buffer.concat([Buffer.from('a'), euro, Buffer.from('b\nc\n')])
    for (let cut = 1; cut < bytes.length; cut++)
      expect(await collect(readLines, bytes, [cut, cut + 1])).toEqual([
        ['a€b', 1],
        ['c', 2],
      ])
    const broken = Buffer.concat([Buffer.from('a'), euro.subarray(0, 2), Buffer.from('b\n')])
    expect(await collect(readLines, broken, [3])).toEqual([['a\ufffdb', 1]])
  })

  it('hands a line longer than maxChars to onTooLong instead, numbered alike (property)', async () => {
    await fc.assert(
      fc.asyncProperty(chunkedFile, fc.nat(12), async ({ bytes, cuts }, maxChars) => {
        const chunks: Buffer[] = await chunked(bytes, cuts).toArray()
        const lines: [string, number][] = []
        const tooLong: number[] = []
        await readLines(chunked(bytes, cuts), silent(), (line, n) => lines.push([line, n]), {
          maxChars,
          onTooLong: (n) => tooLong.push(n),
        })
        const all = decodedLines(chunks)
        expect(lines).toEqual(all.filter(([line]) => line.length <= maxChars))
        expect(tooLong).toEqual(all.filter(([line]) => line.length > maxChars).map(([, n]) => n))
      }),
      { numRuns: 2_000 },
    )
  })

  it('drops a byte order mark at the start of the file, not one further on, cut anywhere', async () => {
    // A BOM read as part of line 1 made its event "not valid JSON" (exit 1, one event lost).
    const bytes = Buffer.concat([BOM, Buffer.from('{"a":1}\n'), BOM, Buffer.from('b\n')])
    for (let cut = 0; cut <= 4; cut++)
      expect(await collect(readLines, bytes, [cut, cut + 1])).toEqual([
        ['{"a":1}', 1],
        ['\uFEFFb', 2],
      ])
  })
})

describe('scanLines', () => {
  it('passes on exactly the lines readLines reads that contain a needle, numbered alike', async () => {
    await fc.assert(
      fc.asyncProperty(chunkedFile, async ({ bytes, cuts }) => {
        const all = await collect(readLines, bytes, cuts)
        const expected = all.filter(([line]) => NEEDLES.some((needle) => line.includes(needle)))
        const scan = (stream: Readable, err: Output, onLine: (line: string, n: number) => void) =>
          scanLines(stream, err, NEEDLES, onLine)
        expect(await collect(scan, bytes, cuts)).toEqual(expected)
      }),
      { numRuns: 500 },
    )
  })

  it('skips the lines readLines finds too long, however many bytes they hold (property)', async () => {
    // Lines of many bytes per character and of none: past 3 bytes per character allowed, the scan
    // drops a line unread while it streams; below, it decodes it to count its characters.
    const wide = fc.constantFrom(...['漢漢漢', '😀😀', 'aaaaaa'].map((text) => Buffer.from(text)))
    const line = fc.oneof(
      fc.array(wide, { minLength: 1, maxLength: 8 }).map((pieces) => Buffer.concat(pieces)),
      fc.constantFrom(...['"userId"', '\\u', 'a\\u', '\\u漢'].map((text) => Buffer.from(text))),
      fc.array(piece, { maxLength: 6 }).map((pieces) => Buffer.concat(pieces)),
    )
    const file = fc.record({
      bytes: fc
        .array(line, { maxLength: 12 })
        .map((lines) => Buffer.concat(lines.flatMap((bytes) => [bytes, Buffer.from('\n')]))),
      cuts: fc.array(fc.nat(), { maxLength: 8 }),
    })
    await fc.assert(
      fc.asyncProperty(file, fc.nat(12), async ({ bytes, cuts }, maxChars) => {
        const kept: [string, number][] = []
        await readLines(chunked(bytes, cuts), silent(), (line, n) => kept.push([line, n]), {
          maxChars,
        })
        const expected = kept.filter(([line]) => NEEDLES.some((needle) => line.includes(needle)))
        const scanned: [string, number][] = []
        await scanLines(
          chunked(bytes, cuts),
          silent(),
          NEEDLES,
          (line, n) => scanned.push([line, n]),
          { maxChars },
        )
        expect(scanned).toEqual(expected)
      }),
      { numRuns: 1_000 },
    )
  })
})
