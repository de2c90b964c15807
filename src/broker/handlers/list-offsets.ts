/**
 * ListOffsets: an offset per partition for a timestamp or one of Kafka's special timestamps
 * (latest, earliest, the largest timestamp from v7, earliest local and tiered from v8/v9). The
 * lookup itself is the partition-offsets service, which the HTTP gateway shares; this handler
 * checks leadership and the leader epoch, and v0 answers in its own shape (a list of offsets).
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { ListOffsetsRequest, ListOffsetsResponseInput } from '../../protocol/messages/list-offsets.js'
import { MAX_TIMESTAMP, offsetForTimestamp } from '../../replication/partition-offsets.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

type PartitionResponse = ListOffsetsResponseInput['topics'][number]['partitions'][number]

export function listOffsetsHandler(broker: BrokerContext) {
  const answer = (partitionIndex: number, errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1): PartitionResponse => ({
    partitionIndex,
    errorCode,
    oldStyleOffsets: offset >= 0 ? [BigInt(offset)] : [],
    timestamp: BigInt(timestamp),
    offset: BigInt(offset),
    leaderEpoch,
  })

  const errorResponse = (request: ListOffsetsRequest, errorCode: number): ListOffsetsResponseInput => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => answer(p.partitionIndex, errorCode)) })),
  })

  return defineHandler({
    apiKey: ApiKeys.ListOffsets,
    advertised: { min: 0, max: 9 },
    handle(request, context) {
      const readCommitted = request.isolationLevel === 1
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((topic) => ({
          name: topic.name,
          partitions: !broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name)
            ? topic.partitions.map((p) => answer(p.partitionIndex, KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED))
            : topic.partitions.map((p) => {
            const partition = broker.replicas.leaderPartition(topic.name, p.partitionIndex)
            if (typeof partition === 'number') return answer(p.partitionIndex, partition)
            if (p.currentLeaderEpoch !== -1 && p.currentLeaderEpoch !== partition.leaderEpoch) {
              return answer(p.partitionIndex, p.currentLeaderEpoch < partition.leaderEpoch ? KafkaErrorCodes.FENCED_LEADER_EPOCH : KafkaErrorCodes.UNKNOWN_LEADER_EPOCH)
            }
            const timestamp = Number(p.timestamp)
            if (timestamp === MAX_TIMESTAMP && context.apiVersion < 7) return answer(p.partitionIndex, KafkaErrorCodes.UNSUPPORTED_VERSION)
            const found = offsetForTimestamp(partition, timestamp, readCommitted)
            return answer(p.partitionIndex, KafkaErrorCodes.NONE, found.offset, found.timestamp, found.offset >= 0 ? partition.leaderEpoch : -1)
          }),
        })),
      }
    },
    errorResponse,
  })
}
