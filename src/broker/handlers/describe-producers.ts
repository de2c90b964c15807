/**
 * DescribeProducers: the producer state of each requested partition, from its leader (as Kafka's
 * ReplicaManager.activeProducerState): NOT_LEADER_OR_FOLLOWER where this broker does not lead
 * it, UNKNOWN_TOPIC_OR_PARTITION where it does not exist. kafka-transactions.sh
 * describe-producers shows this; find-hanging uses it to find transactions left open.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { DescribeProducersRequest, DescribeProducersResponseInput } from '../../protocol/messages/describe-producers.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

type PartitionResponse = DescribeProducersResponseInput['topics'][number]['partitions'][number]

export function describeProducersHandler(broker: BrokerContext) {
  const describe = (topic: string, partitionIndex: number): PartitionResponse => {
    const partition = broker.replicas.leaderPartition(topic, partitionIndex)
    if (typeof partition === 'number') {
      const errorMessage = partition === KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER ? `This broker does not lead ${topic}-${partitionIndex}.` : `${topic}-${partitionIndex} does not exist.`
      return { partitionIndex, errorCode: partition, errorMessage, activeProducers: [] }
    }
    return {
      partitionIndex,
      errorCode: KafkaErrorCodes.NONE,
      errorMessage: null,
      activeProducers: partition.producers.describe().map((p) => ({
        producerId: BigInt(p.producerId),
        producerEpoch: p.producerEpoch,
        lastSequence: p.lastSequence,
        lastTimestamp: BigInt(p.lastTimestamp),
        coordinatorEpoch: p.coordinatorEpoch,
        currentTxnStartOffset: BigInt(p.currentTxnStartOffset),
      })),
    }
  }

  const errorResponse = (request: DescribeProducersRequest, errorCode: number): DescribeProducersResponseInput => ({
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode, errorMessage: null, activeProducers: [] })),
    })),
  })

  return defineHandler({
    apiKey: ApiKeys.DescribeProducers,
    advertised: { min: 0, max: 0 },
    handle(request, context) {
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((topic) => ({
          name: topic.name,
          // As Kafka: READ on the topic, else TOPIC_AUTHORIZATION_FAILED for its partitions.
          partitions: broker.authorizer.authorize(context, AclOperation.READ, ResourceType.TOPIC, topic.name)
            ? topic.partitionIndexes.map((index) => describe(topic.name, index))
            : topic.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, activeProducers: [] })),
        })),
      }
    },
    errorResponse,
  })
}
