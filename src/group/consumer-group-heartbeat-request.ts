/**
 * A ConsumerGroupHeartbeat as the coordinator sees it (KIP-848): its parameters and answer, the
 * checks Kafka makes before anything changes (a malformed request, an unknown assignor, a member
 * epoch the coordinator does not know), and the error that carries a Kafka code and message back.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { isSubset } from './assignment.js'
import { type ClassicMemberMetadata, type ConsumerGroupMember, LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH } from './consumer-group.js'
import type { OwnedPartitions } from './current-assignment.js'

export interface ConsumerGroupHeartbeatParams {
  readonly groupId: string
  readonly memberId: string
  readonly memberEpoch: number
  readonly instanceId: string | null
  readonly rackId: string | null
  readonly rebalanceTimeoutMs: number
  readonly subscribedTopicNames: readonly string[] | null
  readonly subscribedTopicRegex: string | null
  readonly serverAssignor: string | null
  readonly topicPartitions: OwnedPartitions
  readonly clientId: string
  readonly clientHost: string
  readonly apiVersion: number
  /**
   * Set when a classic member's JoinGroup stands for this heartbeat (online migration,
   * consumer-group-classic-members.ts): the member is created or updated without an epoch check.
   */
  readonly classic?: ClassicMemberMetadata
}

export interface ConsumerGroupHeartbeatResult {
  readonly errorCode: number
  readonly errorMessage: string | null
  readonly memberId: string | null
  readonly memberEpoch: number
  readonly heartbeatIntervalMs: number
  readonly assignment: { topicPartitions: Array<{ topicId: string; partitions: number[] }> } | null
}

/** A request that fails with a Kafka error and a message for the client (Kafka's ApiException). */
export class HeartbeatError extends Error {
  readonly errorCode: number
  constructor(errorCode: number, message: string) {
    super(message)
    this.errorCode = errorCode
  }
}

/** Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid: INVALID_REQUEST or UNSUPPORTED_ASSIGNOR, with the message. */
export function validateConsumerGroupHeartbeat(params: ConsumerGroupHeartbeatParams, assignors: readonly string[]): { errorCode: number; message: string } | null {
  const invalid = (message: string) => ({ errorCode: KafkaErrorCodes.INVALID_REQUEST, message })
  if ((params.apiVersion >= 1 || params.memberEpoch > 0 || params.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) && params.memberId === '') {
    return invalid("MemberId can't be empty.")
  }
  if (params.groupId === '') return invalid("GroupId can't be empty.")
  if (params.instanceId === '') return invalid("InstanceId can't be empty.")
  if (params.rackId === '') return invalid("RackId can't be empty.")
  if (params.memberEpoch === 0) {
    if (params.rebalanceTimeoutMs === -1) return invalid('RebalanceTimeoutMs must be provided in first request.')
    if (params.topicPartitions === null || params.topicPartitions.length > 0) return invalid('TopicPartitions must be empty when (re-)joining.')
    if (params.subscribedTopicNames === null && params.subscribedTopicRegex === null) {
      return invalid('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.')
    }
  } else if (params.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (params.instanceId === null) return invalid("InstanceId can't be null.")
  } else if (params.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    return invalid('MemberEpoch is invalid.')
  }
  if (params.serverAssignor !== null && !assignors.includes(params.serverAssignor)) {
    return {
      errorCode: KafkaErrorCodes.UNSUPPORTED_ASSIGNOR,
      message: `ServerAssignor ${params.serverAssignor} is not supported. Supported assignors: ${assignors.join(', ')}.`,
    }
  }
  return null
}

/** Kafka's throwIfConsumerGroupMemberEpochIsInvalid. */
export function checkMemberEpoch(member: ConsumerGroupMember, received: number, owned: OwnedPartitions): void {
  if (received > member.memberEpoch) {
    throw new HeartbeatError(
      KafkaErrorCodes.FENCED_MEMBER_EPOCH,
      `The consumer group member has a greater member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
    )
  }
  if (received < member.memberEpoch) {
    // The answer with the bumped epoch may have been lost: the previous epoch is accepted
    // while the member owns no more than it is assigned.
    if (received !== member.previousMemberEpoch || owned === null || !isSubset(owned, member.assigned)) {
      throw new HeartbeatError(
        KafkaErrorCodes.FENCED_MEMBER_EPOCH,
        `The consumer group member has a smaller member epoch (${received}) than the one known by the group coordinator (${member.memberEpoch}). The member must abandon all its partitions and rejoin.`,
      )
    }
  }
}

export function errorResult(errorCode: number, errorMessage: string): ConsumerGroupHeartbeatResult {
  return { errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null }
}
