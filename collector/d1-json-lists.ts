/**
 * Most UTF-8 bytes of one JSON list bound to a D1 statement. D1 takes a string of at most
 * 2,000,000 bytes, a bound parameter included (past it, `SQLITE_TOOBIG`), and the statements that
 * name many rows take them as one JSON list (`json_each(?)`, within D1's 100 parameters a
 * statement). Some lists have no bound of their own (the ids merged into a person: 8,000 ids of
 * 256 characters took 2.6 MB), so they are split into lists of at most this size, each a statement
 * of the same D1 batch (one transaction, as the single statement was).
 */
export const D1_JSON_LIST_BYTES = 500_000

const encoder = new TextEncoder()

/**
 * `items` in order, in the fewest consecutive groups whose JSON lists take at most `maxBytes`
 * each; an item larger than that on its own is a group of its own. An empty list is one empty
 * group, so that a statement per group still runs.
 */
export function jsonListGroups<T>(items: readonly T[], maxBytes = D1_JSON_LIST_BYTES): T[][] {
  const groups: T[][] = []
  let group: T[] = []
  let bytes = 2 // the brackets
  for (const item of items) {
    const size = encoder.encode(JSON.stringify(item)).byteLength
    // Each item but a group's first adds a comma.
    if (group.length && bytes + 1 + size > maxBytes) {
      groups.push(group)
      group = []
      bytes = 2
    }
    bytes += size + (group.length ? 1 : 0)
    group.push(item)
  }
  groups.push(group)
  return groups
}
