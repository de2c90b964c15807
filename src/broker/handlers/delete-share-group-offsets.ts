/**
 * DeleteShareGroupOffsets (KIP-932): forgets the share-partition state of whole topics for an
 * empty share group; its next fetch there starts by share.auto.offset.reset. As Kafka: DELETE on
 * the group, and READ on each topic (TOPIC_AUTHORIZATION_FAILED for the topic). As Kafka 4.1+,
 * the topics are those the group has state on (ShareGroupStatePartitionMetadata; another answers
 * UNKNOWN_TOPIC_OR_PARTITION): each moves to the record's deleting topics, its state is deleted
 * on each share-partition's share coordinator (DeleteShareGroupState), wherever it is, and it
 * leaves the record.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { DeleteShareGroupOffsetsResponseInput } from '../../protocol/messages/delete-share-group-offsets.js'
import { ZERO_UUID } from '../../protocol/uuid.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import { emptyShareGroupProblem } from './alter-share-group-offsets.js'

export function deleteShareGroupOffsetsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.DeleteShareGroupOffsets,
    advertised: { min: 0, max: 0 },
    async handle(request, context): Promise<DeleteShareGroupOffsetsResponseInput> {
      if (!broker.authorizer.authorize(context, AclOperation.DELETE, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, responses: [] }

      const problem = emptyShareGroupProblem(broker, request.groupId)
      if (problem !== null) return { throttleTimeMs: 0, ...problem, responses: [] }
      const responses: DeleteShareGroupOffsetsResponseInput['responses'] = []
      for (const topic of request.topics) {
        const metadata = broker.metadata.topic(topic.topicName)
        if (!broker.authorizer.authorize(context, AclOperation.READ, ResourceType.TOPIC, topic.topicName)) {
          responses.push({ topicName: topic.topicName, topicId: ZERO_UUID, errorCode: KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED, errorMessage: `Not authorized to read topic ${topic.topicName}.` })
          continue
        }
        if (metadata === undefined) {
          responses.push({ topicName: topic.topicName, topicId: ZERO_UUID, errorCode: KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unknown topic ${topic.topicName}.` })
          continue
        }
        const shareGroup = broker.groups.shareGroups?.stateOf(request.groupId) ?? null
        if (shareGroup === null) {
          responses.push({ topicName: topic.topicName, topicId: metadata.topicId, errorCode: KafkaErrorCodes.GROUP_ID_NOT_FOUND, errorMessage: `Share group ${request.groupId} is gone.` })
          continue
        }
        const deleted = await shareGroup.state.deleteTopic(shareGroup.group, metadata.topicId, topic.topicName, (partition) => broker.shares!.forget(request.groupId, metadata.topicId, partition))
        responses.push({ topicName: topic.topicName, topicId: metadata.topicId, ...deleted })
      }
      return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, errorMessage: null, responses }
    },
    errorResponse(_request, errorCode) {
      return { errorCode, responses: [] }
    },
  })
}
