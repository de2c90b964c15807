/**
 * Which committed offsets have expired (offsets.retention.minutes), by Kafka's rules (KIP-211,
 * KIP-496):
 * - a group that used group management and is now Empty: all its offsets expire once the group
 *   has been empty for the retention period (counted from when it became empty);
 * - a group that only stores offsets (no protocol type): each offset expires the retention
 *   period after its own commit;
 * - a live consumer group: offsets of topics it no longer subscribes to expire the retention
 *   period after their commit; the others never expire while it consumes them.
 * A partition with a commit still replicating never expires (Kafka skips pending commits too):
 * the new commit is about to replace the old one.
 */
import type { Group } from './group.js'

export function expiredOffsets(group: Group, now: number, retentionMs: number): Array<{ topic: string; partition: number }> {
  const expired: Array<{ topic: string; partition: number }> = []
  const emptySince = group.is('Empty') && group.protocolType !== null ? group.currentStateTimestamp : null
  const live = !group.is('Empty')
  if (live && group.subscribedTopics === null) return expired
  for (const [topic, partitions] of group.offsets) {
    if (live && group.isSubscribedToTopic(topic)) continue
    for (const [partition, committed] of partitions) {
      if (group.hasPendingCommit(topic, partition)) continue
      const since = emptySince ?? committed.commitTimestamp
      if (now - since >= retentionMs) expired.push({ topic, partition })
    }
  }
  return expired
}
