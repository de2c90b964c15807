/**
 * Produce: append each partition's record batch as leader and answer with its base offset.
 *
 * Per partition, in Kafka's order: the topic exists and is not internal, the partition exists,
 * then Partition.appendRecordsAsLeader validates and writes. A bad partition gets its own error
 * code and message; the other partitions of the request still succeed. acks=0 gets no response
 * (and if a partition failed, the connection is closed, as Kafka does, so the producer notices
 * and refreshes its metadata); acks=1 and acks=-1 are answered once the batch is in the log (a single broker is its
 * own in-sync replica set, so -1 waits for nothing more; min.insync.replicas is still checked).
 *
 * Versions 0-2 carry message formats older than RecordBatch v2; they are advertised (librdkafka
 * enables compression only if Produce v0 is advertised, see notes/kafka-compat.md §1b) and
 * answered with UNSUPPORTED_VERSION.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { ATTRIBUTES_OFFSET, CompressionCodecs, batchCompression } from '../../protocol/record-batch.js'
import type { ProduceRequest, ProduceResponseInput } from '../../protocol/messages/produce.js'
import { topicNameProblem } from '../../metadata/topic-name.js'
import type { BrokerContext } from '../broker-context.js'
import { CLOSE_CONNECTION, NO_RESPONSE, defineHandler } from '../handler.js'
import { type PendingRecompression, appendRecompressed, produceResponseOf, recompressionTarget } from '../recompress.js'

type PartitionResponse = ProduceResponseInput['responses'][number]['partitionResponses'][number]

/**
 * The response, or for acks=0 none at all; an acks=0 request with a failed partition closes the
 * connection, as Kafka does, because closing is the only way left to tell the producer.
 */
function answer(responses: ProduceResponseInput['responses'], acks: number): ProduceResponseInput | typeof NO_RESPONSE | typeof CLOSE_CONNECTION {
  if (acks !== 0) return { responses, throttleTimeMs: 0 }
  for (const topic of responses) {
    for (const partition of topic.partitionResponses) if (partition.errorCode !== KafkaErrorCodes.NONE) return CLOSE_CONNECTION
  }
  return NO_RESPONSE
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

  return defineHandler({
    apiKey: ApiKeys.Produce,
    advertised: { min: 0, max: 11 },
    served: { min: 3, max: 11 },
    handle(request, context) {
      const apiVersion = context.apiVersion
      const acks = request.acks
      if (acks !== 0 && acks !== 1 && acks !== -1) {
        return errorResponse(request, KafkaErrorCodes.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, not ${acks}.`)
      }
      if (request.transactionalId !== null) {
        return errorResponse(request, KafkaErrorCodes.INVALID_TXN_STATE, 'Samsa does not support transactional producers yet.')
      }
      const now = Date.now()
      const responses: ProduceResponseInput['responses'] = []
      const recompressions: PendingRecompression[] = []
      for (const topic of request.topicData) {
        const partitionResponses: PartitionResponse[] = []
        const known = broker.metadata.topic(topic.name)
        for (const data of topic.partitionData) {
          if (known === undefined) {
            const invalid = topicNameProblem(topic.name)
            partitionResponses.push(invalid === undefined
              ? failed(data.index, KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${topic.name}' does not exist.`)
              : failed(data.index, KafkaErrorCodes.INVALID_TOPIC_EXCEPTION, invalid))
            continue
          }
          if (known.internal) {
            partitionResponses.push(failed(data.index, KafkaErrorCodes.INVALID_TOPIC_EXCEPTION, `Topic '${topic.name}' is internal; clients cannot produce to it.`))
            continue
          }
          const partition = broker.replicas.partition(topic.name, data.index)
          if (partition === undefined) {
            partitionResponses.push(failed(data.index, KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${topic.name}' has no partition ${data.index}.`))
            continue
          }
          if (data.records === null) {
            partitionResponses.push(failed(data.index, KafkaErrorCodes.INVALID_RECORD, 'The partition data has no records.'))
            continue
          }
          if (apiVersion < 7 && data.records.length > ATTRIBUTES_OFFSET + 1 && batchCompression(data.records, 0) === CompressionCodecs.ZSTD) {
            partitionResponses.push(failed(data.index, KafkaErrorCodes.UNSUPPORTED_COMPRESSION_TYPE, `zstd needs Produce version 7 or later, not ${apiVersion}.`))
            continue
          }
          const codec = recompressionTarget(partition.config, data.records)
          if (codec !== null) {
            // The topic stores another codec: rewritten in the worker pool, answered once appended.
            const slot = partitionResponses.push(failed(data.index, KafkaErrorCodes.NONE)) - 1
            recompressions.push({ partition, records: data.records, codec, respond: (outcome) => { partitionResponses[slot] = produceResponseOf(data.index, outcome) } })
            continue
          }
          const outcome = partition.appendRecordsAsLeader(data.records, acks, now)
          partitionResponses.push({
            index: data.index,
            errorCode: outcome.errorCode,
            baseOffset: BigInt(outcome.baseOffset),
            logAppendTimeMs: BigInt(outcome.logAppendTime),
            logStartOffset: BigInt(outcome.logStartOffset),
            errorMessage: outcome.errorMessage,
          })
        }
        responses.push({ name: topic.name, partitionResponses })
      }
      if (recompressions.length > 0) {
        return appendRecompressed(recompressions, acks, now).then(() => answer(responses, acks))
      }
      return answer(responses, acks)
    },
    errorResponse: (request, errorCode) => errorResponse(request, errorCode),
  })
}
