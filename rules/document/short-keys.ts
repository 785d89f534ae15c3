// Renaming keys by table, for the formats that store readable fields under short keys (the device
// snapshot, accumulators in it and in edge snapshots of version 1). A table per object shape,
// readable name → short key, is the whole codec of that shape, in both directions: the device
// carries one small function for all of them.
import type { Json } from './json.ts'

/** Readable field names → short keys (or the other way round, {@link invertKeys}). */
export type KeyTable = Readonly<Record<string, string>>

export function invertKeys(table: KeyTable): KeyTable {
  const inverse: Record<string, string> = {}
  for (const [name, key] of Object.entries(table)) inverse[key] = name
  return inverse
}

/**
 * A copy of `from` (one level deep) with its keys renamed through `table`, added to `into`; keys the
 * table lacks are dropped. The order of keys is kept, so a snapshot restored and taken again is the
 * same text. The caller names the shape `T` it gets: what a stored snapshot holds is trusted, as
 * restored snapshots always were once their envelope is checked.
 */
export function renameKeys<T>(from: object, table: KeyTable, into: Record<string, Json> = {}): T {
  for (const [key, value] of Object.entries(from) as [string, Json][]) {
    const name = table[key]
    if (name !== undefined) into[name] = value
  }
  return into as T
}

export function mapValues<A, B>(record: Record<string, A>, f: (value: A) => B): Record<string, B> {
  const out: Record<string, B> = {}
  for (const key of Object.keys(record)) out[key] = f(record[key]!)
  return out
}
