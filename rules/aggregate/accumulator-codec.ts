// Accumulators in the formats that stored them with one- or two-letter keys, read when they are
// upgraded: the device snapshot's first format (rules/device/legacy-device-snapshot.ts) and edge
// snapshots of version 1 (rules/state/snapshot-v1.ts).
// Every field name has one short key whatever the aggregation (`extreme` is `m` in `min`, `max`
// and `dwell`), so one table renames any accumulator without knowing its aggregation: the device
// carries no code per aggregation for it.
import type { Accumulator } from './accumulator.ts'
import type { Json } from '../document/json.ts'
import { invertKeys, renameKeys } from '../document/short-keys.ts'

/** An accumulator with its short keys (`{ n: 3 }` for `{ count: 3 }`). */
export type ShortAccumulator = { [key: string]: Json }

/** The fields of every kind of accumulator (`keyof` of each member of the union). */
type FieldOf<A> = A extends A ? keyof A : never

// `satisfies`: a field added to an accumulator does not compile until it has its short key. The
// edge's `carry` (carried-sum.ts) came after the short-key formats: none holds it.
const SHORT_KEYS = {
  count: 'n',
  sum: 's',
  compensation: 'c',
  extreme: 'm',
  time: 't',
  ts: 'ts',
  seq: 'seq',
  value: 'v',
  values: 'k',
} as const satisfies Record<Exclude<FieldOf<Accumulator>, 'carry'>, string>

const FIELDS = /* @__PURE__ */ invertKeys(SHORT_KEYS)

/** The accumulator a short-key one stands for (of the aggregation the metric's fingerprint vouches for). */
export const decodeAccumulator = (short: ShortAccumulator): Accumulator => renameKeys(short, FIELDS)
