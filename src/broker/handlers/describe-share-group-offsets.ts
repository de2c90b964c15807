/**
 * DescribeShareGroupOffsets (KIP-932): the start offset of each share-partition of a share
 * group, -1 where the group has not started on a partition. Without topics, every partition
 * whose state the group has initialized (ShareGroupStatePartitionMetadata), as Kafka 4.1+. As Kafka: DESCRIBE on
 * the group, and on each topic (TOPIC_AUTHORIZATION_FAILED per partition; left out when the
 * request names no topics). The start offsets come from each share-partition's share
 * coordinator (ReadShareGroupStateSummary), wherever it is, so this works on whichever broker
 * coordinates the group.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { DescribeShareGroupOffsetsRequest, DescribeShareGroupOffsetsResponseInput } from '../../protocol/messages/describe-share-group-offsets.js'
import { ZERO_UUID } from '../../protocol/uuid.js'
import { ShareStateError } from '../../group/share/share-state-persister.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler, type RequestContext } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

type GroupResult = DescribeShareGroupOffsetsResponseInput['groups'][number]

export function describeShareGroupOffsetsHandler(broker: BrokerContext) {
  const describeGroup = async (group: DescribeShareGroupOffsetsRequest['groups'][number], context: RequestContext): Promise<GroupResult> => {
    const described = broker.groups.shareGroupDescribe(group.groupId)
    if ('errorCode' in described) return { groupId: group.groupId, topics: [], errorCode: described.errorCode, errorMessage: described.errorMessage }
    let wanted = group.topics
    if (wanted === null) {
      // Every partition whose state the group started (its ShareGroupStatePartitionMetadata),
      // wherever it is led; a topic deleted since is left out.
      const initialized = broker.groups.shareGroups?.stateOf(group.groupId)?.group.statePartitions.initialized ?? new Map<string, { partitions: Set<number> }>()
      const all: Array<[string, number[]]> = []
      for (const [topicId, topic] of initialized) {
        const name = broker.metadata.topicById(topicId)?.name
        if (name !== undefined) all.push([name, [...topic.partitions].sort((a, b) => a - b)])
      }
      // Topics the principal may not describe are left out of "all of them", as Kafka does.
      wanted = all
        .filter(([topicName]) => broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.TOPIC, topicName, false))
        .map(([topicName, partitions]) => ({ topicName, partitions }))
    }
    const topics: GroupResult['topics'] = []
    for (const topic of wanted) {
      const metadata = broker.metadata.topic(topic.topicName)
      const partitions: GroupResult['topics'][number]['partitions'] = []
      if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.topicName)) {
        const errorMessage = `Not authorized to describe topic ${topic.topicName}.`
        for (const partitionIndex of topic.partitions) partitions.push({ partitionIndex, startOffset: -1n, leaderEpoch: -1, errorCode: KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED, errorMessage })
        topics.push({ topicName: topic.topicName, topicId: ZERO_UUID, partitions })
        continue
      }
      for (const partitionIndex of topic.partitions) {
        if (metadata === undefined || partitionIndex < 0 || partitionIndex >= metadata.partitions) {
          partitions.push({ partitionIndex, startOffset: -1n, leaderEpoch: -1, errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unknown partition ${topic.topicName}-${partitionIndex}.` })
          continue
        }
        const leaderEpoch = broker.metadata.partitionState(topic.topicName, partitionIndex)?.leaderEpoch ?? -1
        try {
          const summary = await broker.shareState!.readSummary({ groupId: group.groupId, topicId: metadata.topicId, partition: partitionIndex })
          partitions.push({ partitionIndex, startOffset: BigInt(summary.startOffset), leaderEpoch, errorCode: KafkaErrorCodes.NONE })
        } catch (error) {
          if (!(error instanceof ShareStateError)) throw error
          partitions.push({ partitionIndex, startOffset: -1n, leaderEpoch, errorCode: error.errorCode, errorMessage: error.message })
        }
      }
      topics.push({ topicName: topic.topicName, topicId: metadata?.topicId ?? ZERO_UUID, partitions })
    }
    return { groupId: group.groupId, topics, errorCode: KafkaErrorCodes.NONE, errorMessage: null }
  }

  return defineHandler({
    apiKey: ApiKeys.DescribeShareGroupOffsets,
    advertised: { min: 0, max: 0 },
    async handle(request, context) {
      const described = (group: DescribeShareGroupOffsetsRequest['groups'][number]): Promise<GroupResult> | GroupResult =>
        broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.GROUP, group.groupId)
          ? describeGroup(group, context)
          : { groupId: group.groupId, topics: [], errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, errorMessage: null }
      return { throttleTimeMs: 0, groups: await Promise.all(request.groups.map(described)) }
    },
    errorResponse(request, errorCode) {
      return { groups: request.groups.map((g) => ({ groupId: g.groupId, topics: [], errorCode })) }
    },
  })
}
