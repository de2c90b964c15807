/**
 * OffsetForLeaderEpoch: where a leader epoch ends in a partition's log, so a follower (or a
 * consumer after a leader change, KIP-320) can find where its copy diverges and truncate there.
 *
 * Per partition, as Kafka's Partition.lastOffsetForLeaderEpoch: an unknown partition gets
 * UNKNOWN_TOPIC_OR_PARTITION; a current_leader_epoch (v2+) older than ours gets
 * FENCED_LEADER_EPOCH and a newer one UNKNOWN_LEADER_EPOCH; otherwise the answer is the largest
 * epoch at or below the requested one and the offset where it ends (the start of the next epoch,
 * or the log end offset for the current epoch), from the log's leader-epoch cache. An epoch
 * newer than any we know, or -1, is answered with epoch -1 and end offset -1 and no error, as
 * Kafka does.
 *
 * Kafka writes the current leader epoch into its epoch cache when it becomes leader; our log
 * records an epoch with its first batch. So a request for the current epoch is answered from the
 * partition itself (current epoch, log end offset), which is what Kafka's cache would say.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponseInput } from '../../protocol/messages/offset-for-leader-epoch.js'
import type { Partition } from '../../replication/partition.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'

type PartitionResponse = OffsetForLeaderEpochResponseInput['topics'][number]['partitions'][number]

const UNDEFINED_EPOCH = -1

function answer(partition: number, errorCode: number, leaderEpoch = UNDEFINED_EPOCH, endOffset = -1): PartitionResponse {
  return { errorCode, partition, leaderEpoch, endOffset: BigInt(endOffset) }
}

/** The epoch and its end offset, or undefined/-1 when the epoch is unknown. */
export function epochEndOffset(partition: Partition, requestedEpoch: number): { epoch: number; endOffset: number } {
  if (requestedEpoch === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: -1 }
  if (requestedEpoch === partition.leaderEpoch) return { epoch: requestedEpoch, endOffset: partition.logEndOffset }
  if (requestedEpoch > partition.leaderEpoch) return { epoch: UNDEFINED_EPOCH, endOffset: -1 }
  const found = partition.log.endOffsetForEpoch(requestedEpoch)
  if (found.endOffset < 0) return { epoch: UNDEFINED_EPOCH, endOffset: -1 }
  return { epoch: found.epoch, endOffset: found.endOffset }
}

export function offsetForLeaderEpochHandler(broker: BrokerContext) {
  const errorResponse = (request: OffsetForLeaderEpochRequest, errorCode: number): OffsetForLeaderEpochResponseInput => ({
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      topic: topic.topic,
      partitions: topic.partitions.map((p) => answer(p.partition, errorCode)),
    })),
  })

  return defineHandler({
    apiKey: ApiKeys.OffsetForLeaderEpoch,
    advertised: { min: 0, max: 4 },
    handle(request, context) {
      // A follower's request needs CLUSTER_ACTION on the cluster, a consumer's DESCRIBE on each topic (as Kafka).
      const fromFollower = request.replicaId >= 0
      const clusterAction = fromFollower && broker.authorizer.authorize(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((topic) => ({
          topic: topic.topic,
          partitions: (fromFollower ? !clusterAction : !broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.topic))
            ? topic.partitions.map((p) => answer(p.partition, fromFollower ? KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED : KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED))
            : topic.partitions.map((p) => {
            const partition = broker.replicas.leaderPartition(topic.topic, p.partition)
            if (typeof partition === 'number') return answer(p.partition, partition)
            if (p.currentLeaderEpoch !== -1 && p.currentLeaderEpoch !== partition.leaderEpoch) {
              return answer(
                p.partition,
                p.currentLeaderEpoch < partition.leaderEpoch ? KafkaErrorCodes.FENCED_LEADER_EPOCH : KafkaErrorCodes.UNKNOWN_LEADER_EPOCH,
              )
            }
            const found = epochEndOffset(partition, p.leaderEpoch)
            return answer(p.partition, KafkaErrorCodes.NONE, found.epoch, found.endOffset)
          }),
        })),
      }
    },
    errorResponse,
  })
}
