/**
 * AlterShareGroupOffsets (KIP-932): sets share-partition start offsets of an empty share group.
 * A group with members answers NON_EMPTY_GROUP (their records in flight would be lost under
 * them), an unknown one GROUP_ID_NOT_FOUND; per partition, an unknown partition or a negative
 * offset is refused and the rest still applied. As Kafka: READ on the group, and READ on each
 * topic (TOPIC_AUTHORIZATION_FAILED per partition).
 *
 * Each share-partition is initialized afresh on its share coordinator at the next state epoch
 * (InitializeShareGroupState), wherever that coordinator is: the partition leader's next write
 * of the old state is then fenced and it reads the new one. The group records the partitions as
 * initialized (ShareGroupStatePartitionMetadata), as Kafka does.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { AlterShareGroupOffsetsResponseInput } from '../../protocol/messages/alter-share-group-offsets.js'
import { ZERO_UUID } from '../../protocol/uuid.js'
import { ShareStateError } from '../../group/share/share-state-persister.js'
import type { StatePartition } from '../../group/share/share-state-partitions.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

/** Why the share-group offsets of `groupId` may not be changed now, or null. */
export function emptyShareGroupProblem(broker: BrokerContext, groupId: string): { errorCode: number; errorMessage: string | null } | null {
  if (broker.shares === null) return { errorCode: KafkaErrorCodes.UNSUPPORTED_VERSION, errorMessage: 'Share groups are not enabled on this broker (group.share.enable).' }
  const described = broker.groups.shareGroupDescribe(groupId)
  if ('errorCode' in described) return described
  if (described.members.length > 0) {
    return { errorCode: KafkaErrorCodes.NON_EMPTY_GROUP, errorMessage: `Share group ${groupId} has ${described.members.length} member(s); stop them before changing its offsets.` }
  }
  return null
}

export function alterShareGroupOffsetsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.AlterShareGroupOffsets,
    advertised: { min: 0, max: 0 },
    async handle(request, context): Promise<AlterShareGroupOffsetsResponseInput> {
      if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, responses: [] }

      const problem = emptyShareGroupProblem(broker, request.groupId)
      if (problem !== null) return { throttleTimeMs: 0, ...problem, responses: [] }
      const responses: AlterShareGroupOffsetsResponseInput['responses'] = []
      const initialized: StatePartition[] = []
      for (const topic of request.topics) {
        const metadata = broker.metadata.topic(topic.topicName)
        const partitions: AlterShareGroupOffsetsResponseInput['responses'][number]['partitions'] = []
        const readable = broker.authorizer.authorize(context, AclOperation.READ, ResourceType.TOPIC, topic.topicName)
        for (const p of topic.partitions) {
          if (!readable) {
            partitions.push({ partitionIndex: p.partitionIndex, errorCode: KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED, errorMessage: `Not authorized to read topic ${topic.topicName}.` })
          } else if (metadata === undefined || p.partitionIndex < 0 || p.partitionIndex >= metadata.partitions) {
            partitions.push({ partitionIndex: p.partitionIndex, errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unknown partition ${topic.topicName}-${p.partitionIndex}.` })
          } else if (p.startOffset < 0n) {
            partitions.push({ partitionIndex: p.partitionIndex, errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: `Start offset ${p.startOffset} is negative.` })
          } else {
            try {
              const key = { groupId: request.groupId, topicId: metadata.topicId, partition: p.partitionIndex }
              const { stateEpoch } = await broker.shareState!.readSummary(key)
              await broker.shareState!.initialize(key, stateEpoch + 1, Number(p.startOffset))
              await broker.shares!.forget(request.groupId, metadata.topicId, p.partitionIndex)
              initialized.push({ topicId: metadata.topicId, topicName: topic.topicName, partition: p.partitionIndex })
              partitions.push({ partitionIndex: p.partitionIndex, errorCode: KafkaErrorCodes.NONE })
            } catch (error) {
              if (!(error instanceof ShareStateError)) throw error
              partitions.push({ partitionIndex: p.partitionIndex, errorCode: error.errorCode, errorMessage: error.message })
            }
          }
        }
        responses.push({ topicName: topic.topicName, topicId: metadata?.topicId ?? ZERO_UUID, partitions })
      }
      // The group records them initialized, so its deletion and DescribeShareGroupOffsets reach them.
      const shareGroup = broker.groups.shareGroups?.stateOf(request.groupId) ?? null
      if (shareGroup !== null) await shareGroup.state.initialized(shareGroup.group, initialized)
      return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, errorMessage: null, responses }
    },
    errorResponse(_request, errorCode) {
      return { errorCode, responses: [] }
    },
  })
}
