/**
 * OffsetDelete: removes a group's committed offsets for some partitions. Any partition of a group
 * without members; for a live consumer group only topics it does not subscribe to (the others get
 * GROUP_SUBSCRIBED_TO_TOPIC). Unknown topics get UNKNOWN_TOPIC_OR_PARTITION per partition; group
 * problems (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP) are reported at the top level.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function offsetDeleteHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.OffsetDelete,
    advertised: { min: 0, max: 0 },
    handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.DELETE, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, topics: [] }
      const readable = new Set(request.topics.filter((t) => broker.authorizer.authorize(context, AclOperation.READ, ResourceType.TOPIC, t.name)).map((t) => t.name))
      const known = request.topics.filter((t) => readable.has(t.name) && broker.metadata.topic(t.name) !== undefined)
      const result = broker.groups.deleteOffsets(
        request.groupId,
        known.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) })),
      )
      if (result.errorCode !== KafkaErrorCodes.NONE) return { throttleTimeMs: 0, errorCode: result.errorCode, topics: [] }
      const byTopic = new Map(result.topics.map((t) => [t.name, new Map(t.partitions.map((p) => [p.partitionIndex, p.errorCode]))]))
      return {
        throttleTimeMs: 0,
        errorCode: KafkaErrorCodes.NONE,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: !readable.has(t.name) ? KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED : (byTopic.get(t.name)?.get(p.partitionIndex) ?? KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION),
          })),
        })),
      }
    },
    errorResponse(_request, errorCode) {
      return { errorCode, topics: [] }
    },
  })
}
