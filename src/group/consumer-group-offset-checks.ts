/**
 * Who may commit and fetch a consumer group's offsets (KIP-848): Kafka's
 * ConsumerGroup.validateOffsetCommit and validateOffsetFetch, which check the committer's member
 * id and epoch against the group, so a member fenced or moved on by a rebalance cannot commit or
 * read offsets of partitions it no longer owns.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { ConsumerGroup } from './consumer-group.js'

/**
 * Kafka's ConsumerGroup.validateOffsetCommit: NONE when the commit may go ahead. A commit
 * without a member epoch (-1) is accepted only while the group has no members. A
 * transactional commit (TxnOffsetCommit) that names no member at all (as before v3) is not
 * checked; one whose epoch is not the member's answers ILLEGAL_GENERATION, the only epoch
 * error a producer understands (Kafka converts STALE_MEMBER_EPOCH the same way). A plain
 * OffsetCommit from a member must be v9+, the first version that carries a member epoch.
 */
export function validateConsumerGroupOffsetCommit(group: ConsumerGroup, memberId: string, memberEpoch: number, apiVersion: number, commit?: { transactional: true; groupInstanceId: string | null }): number {
  if (memberEpoch < 0 && group.members.size === 0) return KafkaErrorCodes.NONE
  if (commit !== undefined && memberEpoch === -1 && memberId === '' && commit.groupInstanceId === null) return KafkaErrorCodes.NONE
  const member = group.members.get(memberId)
  if (member === undefined) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
  // A classic member commits with its generation, which is its member epoch.
  if (member.classic !== null) return memberEpoch === member.memberEpoch ? KafkaErrorCodes.NONE : KafkaErrorCodes.ILLEGAL_GENERATION
  if (commit === undefined && apiVersion >= 0 && apiVersion < 9) return KafkaErrorCodes.UNSUPPORTED_VERSION
  if (memberEpoch !== member.memberEpoch) return commit === undefined ? KafkaErrorCodes.STALE_MEMBER_EPOCH : KafkaErrorCodes.ILLEGAL_GENERATION
  return KafkaErrorCodes.NONE
}

/**
 * Kafka's ConsumerGroup.validateOffsetFetch (OffsetFetch v9+): NONE when the fetch may go
 * ahead. A fetch that names no member and no epoch comes from an admin client or a consumer
 * outside group management and is always answered; one from a member must carry its current
 * epoch, so a member fenced or moved on by a rebalance does not start from offsets it no
 * longer owns. A classic member of the group is told ILLEGAL_GENERATION, the error it knows.
 */
export function validateConsumerGroupOffsetFetch(group: ConsumerGroup, memberId: string | null, memberEpoch: number): number {
  if (memberId === null && memberEpoch < 0) return KafkaErrorCodes.NONE
  const member = memberId === null ? undefined : group.members.get(memberId)
  if (member === undefined) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
  if (memberEpoch !== member.memberEpoch && member.classic !== null) return KafkaErrorCodes.ILLEGAL_GENERATION
  if (memberEpoch !== member.memberEpoch) return KafkaErrorCodes.STALE_MEMBER_EPOCH
  return KafkaErrorCodes.NONE
}
