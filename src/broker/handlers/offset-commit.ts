/**
 * OffsetCommit: a consumer (or an admin tool) records how far a group has read each partition.
 * Partitions of topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION and are not stored; the
 * rest go to the group coordinator, which checks the member and generation and writes them to
 * __consumer_offsets as one batch. v0 commits carry neither member nor generation and are
 * accepted for groups without members; a commit with a generation to a group that does not
 * exist gets ILLEGAL_GENERATION, or GROUP_ID_NOT_FOUND from v9 on. retention_time_ms (v2-4) is ignored, as Kafka 2.1+ ignores
 * it for groups: offsets.retention.minutes governs expiry. The answer comes once the in-sync
 * replicas of the group's __consumer_offsets partition have the commit (acks=all), so an
 * acknowledged commit survives the coordinator's failover.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { OffsetCommitRequest, OffsetCommitResponseInput } from '../../protocol/messages/offset-commit.js'
import { andThen } from '../../group/maybe-async.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { offsetCommitResults, splitOffsetCommit } from './offset-commit-entries.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function offsetCommitHandler(broker: BrokerContext) {
  const errorResponse = (request: OffsetCommitRequest, errorCode: number): OffsetCommitResponseInput => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  })

  return defineHandler({
    apiKey: ApiKeys.OffsetCommit,
    advertised: { min: 0, max: 9 },
    handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return errorResponse(request, KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED)
      const split = splitOffsetCommit(broker, context, request.topics)
      const committed = split.entries.length === 0
        ? []
        : broker.groups.commitOffsets({
          groupId: request.groupId,
          generationId: request.generationIdOrMemberEpoch,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          offsets: split.entries,
          apiVersion: context.apiVersion,
          missingGroupError: context.apiVersion >= 9 ? KafkaErrorCodes.GROUP_ID_NOT_FOUND : KafkaErrorCodes.ILLEGAL_GENERATION,
        })
      return andThen(committed, (results): OffsetCommitResponseInput => ({ throttleTimeMs: 0, topics: offsetCommitResults(request.topics, split, results) }))
    },
    errorResponse,
  })
}
