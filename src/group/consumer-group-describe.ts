/**
 * ConsumerGroupDescribe's view of a consumer group (KIP-848): its state and epochs, and for each
 * member what it owns now and what the coordinator means it to own, with topic names resolved
 * for the admin client.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { type Assignment, toTopicPartitions } from './assignment.js'
import type { ConsumerGroup } from './consumer-group.js'
import type { TopicsView } from './consumer-group-coordinator.js'

type NamedTopicPartitions = Array<{ topicId: string; topicName: string; partitions: number[] }>

export interface DescribedConsumerGroup {
  readonly errorCode: number
  readonly errorMessage: string | null
  readonly groupId: string
  readonly groupState: string
  readonly groupEpoch: number
  readonly assignmentEpoch: number
  readonly assignorName: string
  readonly members: Array<{
    memberId: string
    instanceId: string | null
    rackId: string | null
    memberEpoch: number
    clientId: string
    clientHost: string
    subscribedTopicNames: string[]
    subscribedTopicRegex: string | null
    assignment: { topicPartitions: NamedTopicPartitions }
    targetAssignment: { topicPartitions: NamedTopicPartitions }
    memberType: number
  }>
}

/** `defaultAssignor` names the assignor of a group that has not computed a target yet. */
export function describeConsumerGroup(group: ConsumerGroup, topics: TopicsView, defaultAssignor: string): DescribedConsumerGroup {
  const named = (assignment: Assignment): NamedTopicPartitions =>
    toTopicPartitions(assignment).map((t) => ({ ...t, topicName: topics.topicById(t.topicId)?.name ?? '' }))
  return {
    errorCode: KafkaErrorCodes.NONE,
    errorMessage: null,
    groupId: group.groupId,
    groupState: group.state,
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    assignorName: group.assignorName || defaultAssignor,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      memberEpoch: m.memberEpoch,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: [...m.subscribedTopicNames],
      subscribedTopicRegex: m.subscribedTopicRegex,
      assignment: { topicPartitions: named(m.assigned) },
      targetAssignment: { topicPartitions: named(group.targetAssignment.get(m.memberId) ?? new Map()) },
      // KIP-1099: 0 = a classic member (online migration), 1 = the consumer protocol.
      memberType: m.classic === null ? 1 : 0,
    })),
  }
}
