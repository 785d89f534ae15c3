/**
 * `fields` as the collector will store them, JSON: a reference that closes a cycle becomes
 * `"[Circular]"`, a BigInt its digits (an id, usually: a number could not hold it), and functions,
 * symbols and `undefined` go, as JSON leaves them out. Pages pass whatever their objects hold
 * (a cart that points back at itself, an id read as a BigInt): queued as they were, such an event
 * made every later send throw (the queue is stringified for each request), so nothing was sent
 * again, on this page or on any later one, since the queue is stored. Throws what a getter throws
 * (the caller drops the event, logged).
 */
export function asJson(fields: Record<string, unknown>): Record<string, unknown> {
  /** The objects from the root to the one being written: a cycle returns to one of them. */
  const path: unknown[] = []
  const text = JSON.stringify(fields, function (this: unknown, _key, value: unknown) {
    if (typeof value === 'bigint') return String(value)
    if (typeof value !== 'object' || value === null) return value
    while (path.length && path[path.length - 1] !== this) path.pop()
    if (path.includes(value)) return '[Circular]'
    path.push(value)
    return value
  })
  const parsed: Record<string, unknown> = JSON.parse(text)
  return parsed
}
