import { parseProfileName } from '../../rules/index.ts'
import type { ExportMessage } from './message.ts'
import { jsonBytes, messageIdOf, segmentIdentity, type SegmentIdentify } from './segment-batches.ts'

/**
 * What a Segment-compatible API receives for a profile merged into another (`profile.merged`),
 * in Segment's own terms (collector/README.md, "Export"):
 * - an anonymous visitor merged into a user: an `identify` with both ids and no traits, the call
 *   a Segment library makes at sign-in, which ties the anonymous history to the user (Segment's
 *   identity resolution merges on it; an `alias` cannot merge profiles there);
 * - a user merged into another user (a server source's alias): an `alias`, `previousId` the
 *   merged user, the spec's call for joining two user ids.
 * A tagwise collector receiving either merges the two profiles as this one did (through a server
 * source's writeKey). The messageId comes from the notice id, the same on every retry. A merge
 * into a profile that is no user has no such call: nothing is sent, and it counts as delivered.
 */
export async function segmentLinks(messages: readonly ExportMessage[]): Promise<SegmentIdentify[]> {
  const links: SegmentIdentify[] = []
  for (const [position, message] of messages.entries()) {
    if (message.type !== 'profile.merged') continue
    const { id, profile, into, at } = message.merge
    const target = parseProfileName(into)
    if (target.space !== 'user') continue
    const merged = segmentIdentity(profile)
    const common = {
      timestamp: new Date(at).toISOString(),
      messageId: await messageIdOf([id]),
      context: { library: { name: 'tagwise-export' } },
    }
    const event =
      'anonymousId' in merged
        ? { type: 'identify', userId: target.id, anonymousId: merged.anonymousId, ...common }
        : { type: 'alias', previousId: merged.userId, userId: target.id, ...common }
    links.push({ event, bytes: jsonBytes(event), positions: [position] })
  }
  return links
}
