/**
 * Answers the requests a Kafka producer (and a consumer up to JoinGroup) needs, with Samsa's own
 * encoders, as a single broker (node 1) hosting topic "golden" with one partition. For frame
 * capture and for checking that real clients accept our responses; never part of the broker.
 */
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { decodeRequest, encodeResponse } from '../../src/protocol/frames.js'
import { allApis } from '../../src/protocol/messages/index.js'
import { flattenChunks } from '../../src/protocol/writer.js'

export const TOPIC = 'golden'
export const TOPIC_ID = 'R29sZGVuVG9waWNJZCEhIQ'
export const CLIENT_ID = 'samsa-golden'
export const GROUP = 'golden-group'

function toBuffer(output: ReturnType<typeof encodeResponse>): Buffer {
  return flattenChunks(output.chunks, output.byteLength)
}

/** Answers the requests a producer needs, as a single broker (node 1) on `port`. */
export function respond(frame: Buffer, _connection: number, port: number): Buffer | null {
  const request = decodeRequest(frame)
  const { correlationId } = request.header
  if (!request.supported) {
    if (request.apiKey === ApiKeys.ApiVersions) {
      return toBuffer(encodeResponse(ApiKeys.ApiVersions, 0, correlationId, { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }] }))
    }
    return null
  }
  switch (request.apiKey) {
    case ApiKeys.ApiVersions:
      return toBuffer(
        encodeResponse(ApiKeys.ApiVersions, request.apiVersion, correlationId, {
          errorCode: 0,
          apiKeys: allApis().map((api) => ({ apiKey: api.apiKey, minVersion: api.minVersion, maxVersion: api.maxVersion })),
        }),
      )
    case ApiKeys.Metadata: {
      const names = request.body.topics === null || request.body.topics.length === 0 ? [TOPIC] : request.body.topics.map((t) => t.name ?? TOPIC)
      return toBuffer(
        encodeResponse(ApiKeys.Metadata, request.apiVersion, correlationId, {
          brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
          clusterId: 'golden-cluster',
          controllerId: 1,
          topics: names.map((name) => ({
            errorCode: 0,
            name,
            topicId: TOPIC_ID,
            partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
          })),
        }),
      )
    }
    case ApiKeys.FindCoordinator: {
      const coordinator = { nodeId: 1, host: '127.0.0.1', port, errorCode: 0 }
      return toBuffer(
        encodeResponse(ApiKeys.FindCoordinator, request.apiVersion, correlationId, {
          ...coordinator,
          coordinators: request.body.coordinatorKeys.map((key) => ({ key, ...coordinator })),
        }),
      )
    }
    case ApiKeys.InitProducerId:
      return toBuffer(encodeResponse(ApiKeys.InitProducerId, request.apiVersion, correlationId, { errorCode: 0, producerId: 1000n, producerEpoch: 0 }))
    case ApiKeys.Produce:
      if (request.body.acks === 0) return null
      return toBuffer(
        encodeResponse(ApiKeys.Produce, request.apiVersion, correlationId, {
          responses: request.body.topicData.map((topic) => ({
            name: topic.name,
            partitionResponses: topic.partitionData.map((p) => ({ index: p.index, errorCode: 0, baseOffset: 0n })),
          })),
        }),
      )
    default:
      return null
  }
}
