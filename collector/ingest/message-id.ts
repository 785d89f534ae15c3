const encoder = new TextEncoder()

/**
 * The `messageId` of an event sent without one (spec: collector.md, "Ingest"). `content` is the
 * event as every ingest route normalizes it (the type from the path or the event, the request's
 * `context` merged under the event's), without what changes between two sends of one payload
 * (`messageId`, `sentAt`, `writeKey`).
 *
 * An event that carries its own `timestamp` gets the SHA-256 (hex) of that content with object keys
 * sorted: a retry of the same payload gets the same id and is deduplicated, whichever route it took.
 * Without a timestamp nothing tells a retry from a second occurrence (two logins a minute apart
 * look the same), so each event gets a fresh random id and counts.
 */
export async function missingMessageId(content: Record<string, unknown>): Promise<string> {
  if (content.timestamp === undefined || content.timestamp === null) return crypto.randomUUID()
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(canonicalJson(content)))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** JSON with object keys sorted at every level. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort()
    const record = value as Record<string, unknown>
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
