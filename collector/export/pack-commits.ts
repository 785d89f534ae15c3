import type { ExportedChange, ExportMessage, QueueMessage } from './message.ts'
import { QUEUE_MESSAGE_BYTES, QUEUE_MESSAGE_OVERHEAD_BYTES, queueBytes } from './queue-limits.ts'

/** What a `tag.changes` message counts before its changes (and the commas between them). */
const EMPTY_BYTES = queueBytes({ type: 'tag.changes', changes: [] })

/**
 * A drain's messages as queue messages, in order: the consecutive tag changes of one commit
 * (`commit`: the outbox row they came from) go in one `tag.changes` message, as many as fit within
 * a queue message's bytes, since a queue message costs three queue operations (write, read,
 * delete) whatever it carries; any other message, and a change alone, goes as it is. Each queue
 * message comes with the entries it carries.
 */
export function packCommits<Entry extends { commit: unknown; message: ExportMessage }>(
  entries: readonly Entry[],
): { body: QueueMessage; entries: Entry[] }[] {
  const packed: { body: QueueMessage; entries: Entry[] }[] = []
  let changes: { entries: Entry[]; list: ExportedChange[]; bytes: number } | undefined
  const close = () => {
    if (!changes) return
    const [only] = changes.entries
    packed.push({
      body:
        changes.list.length === 1 ? only!.message : { type: 'tag.changes', changes: changes.list },
      entries: changes.entries,
    })
    changes = undefined
  }
  for (const entry of entries) {
    const { message } = entry
    if (message.type !== 'tag.changed') {
      close()
      packed.push({ body: message, entries: [entry] })
      continue
    }
    const bytes = queueBytes(message.change) - QUEUE_MESSAGE_OVERHEAD_BYTES
    const sameCommit = changes?.entries[0]!.commit === entry.commit
    if (!sameCommit || changes!.bytes + 1 + bytes > QUEUE_MESSAGE_BYTES) close()
    if (changes) {
      changes.entries.push(entry)
      changes.list.push(message.change)
      changes.bytes += 1 + bytes
    } else changes = { entries: [entry], list: [message.change], bytes: EMPTY_BYTES + bytes }
  }
  close()
  return packed
}
