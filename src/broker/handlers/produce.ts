/**
 * Produce: decode, append through the replication layer's appendRecords, encode.
 *
 * acks=0 gets no response (and if a partition failed, the connection is closed, as Kafka does,
 * so the producer notices and refreshes its metadata); acks=1 is answered once the batch is in
 * the leader's log, acks=-1 once the in-sync replicas have it (see append-records.ts).
 *
 * Versions 0-2 carry message formats older than RecordBatch v2; they are advertised (librdkafka
 * enables compression only if Produce v0 is advertised, see notes/kafka-compat.md §1b) and
 * answered with UNSUPPORTED_VERSION.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { ProduceRequest, ProduceResponseInput } from '../../protocol/messages/produce.js'
import { type AppendResults, appendRecords } from '../../replication/append-records.js'
import type { BrokerContext } from '../broker-context.js'
import { CLOSE_CONNECTION, NO_RESPONSE, defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import { type TopicSplit, splitByAuthorization } from './authorized-topics.js'

type PartitionResponse = ProduceResponseInput['responses'][number]['partitionResponses'][number]

/**
 * The response, or for acks=0 none at all; an acks=0 request with a failed partition closes the
 * connection, as Kafka does, because closing is the only way left to tell the producer.
 */
function answer(request: ProduceRequest, results: AppendResults): ProduceResponseInput | typeof NO_RESPONSE | typeof CLOSE_CONNECTION {
  if (request.acks === 0) {
    for (const topic of results) for (const outcome of topic) if (outcome.errorCode !== KafkaErrorCodes.NONE) return CLOSE_CONNECTION
    return NO_RESPONSE
  }
  return {
    responses: request.topicData.map((topic, t) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((data, i): PartitionResponse => {
        const outcome = results[t]![i]!
        return {
          index: data.index,
          errorCode: outcome.errorCode,
          baseOffset: BigInt(outcome.baseOffset),
          logAppendTimeMs: BigInt(outcome.logAppendTime),
          logStartOffset: BigInt(outcome.logStartOffset),
          errorMessage: outcome.errorMessage,
        }
      }),
    })),
    throttleTimeMs: 0,
  }
}

export function produceHandler(broker: BrokerContext) {
  const failed = (index: number, errorCode: number, errorMessage: string | null = null): PartitionResponse => ({
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    errorMessage,
  })

  const errorResponse = (request: ProduceRequest, errorCode: number, errorMessage: string | null = null): ProduceResponseInput => ({
    responses: request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((p) => failed(p.index, errorCode, errorMessage)),
    })),
    throttleTimeMs: 0,
  })

  /** Appends the topics the principal may write; the others get TOPIC_AUTHORIZATION_FAILED. */
  const produceAuthorized = async (request: ProduceRequest, split: TopicSplit<ProduceRequest['topicData'][number]>, apiVersion: number) => {
    const allowed = { ...request, topicData: split.allowed }
    const results = await appendRecords(broker.replicas, { acks: request.acks, timeoutMs: request.timeoutMs, topics: allowed.topicData, zstdAllowed: apiVersion >= 7 })
    // acks=0: a refused topic closes the connection, as any failed partition does.
    if (request.acks === 0) return CLOSE_CONNECTION
    const response = answer(allowed, results) as ProduceResponseInput
    const refused = split.denied.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((p) => failed(p.index, KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED)),
    }))
    return { ...response, responses: [...response.responses, ...refused] }
  }

  return defineHandler({
    apiKey: ApiKeys.Produce,
    advertised: { min: 0, max: 11 },
    served: { min: 3, max: 11 },
    handle(request, context) {
      const acks = request.acks
      if (acks !== 0 && acks !== 1 && acks !== -1) {
        return errorResponse(request, KafkaErrorCodes.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${acks}.`)
      }
      // Transactional batches (a transactional id in the request) follow the idempotence rules
      // plus the partition's transaction rules (see producer-state.ts); their producer reached
      // this point through the transaction coordinator's InitProducerId and AddPartitionsToTxn.
      if (request.transactionalId !== null && !broker.authorizer.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
        return errorResponse(request, KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, `Not authorized to write with transactional id ${request.transactionalId}.`)
      }
      const split = splitByAuthorization(broker, context, AclOperation.WRITE, ResourceType.TOPIC, request.topicData, (topic) => topic.name)
      if (split !== null) return produceAuthorized(request, split, context.apiVersion)
      const results = appendRecords(broker.replicas, {
        acks,
        timeoutMs: request.timeoutMs,
        topics: request.topicData,
        zstdAllowed: context.apiVersion >= 7,
      })
      return results instanceof Promise ? results.then((r) => answer(request, r)) : answer(request, results)
    },
    errorResponse: (request, errorCode) => errorResponse(request, errorCode),
  })
}
