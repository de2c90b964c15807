/**
 * An error the gateway answers with the REST Proxy's error body, `{"error_code": ..., "message":
 * ...}`: an HTTP status and the proxy's five-digit code (or the bare status where Confluent's
 * proxy uses that: 400, 404, 406, 415, 422, ...). Services under records/ throw it; the route
 * modules turn it into the response, so every caller of a service reports a problem the same way.
 */
import type { BrokerContext } from '../../broker/broker-context.js'

export class ProxyError extends Error {
  readonly status: number
  readonly errorCode: number

  constructor(status: number, errorCode: number, message: string) {
    super(message)
    this.name = 'ProxyError'
    this.status = status
    this.errorCode = errorCode
  }
}

/** Confluent's codes, as its proxy answers them (kafka-rest Errors.java). */
export const ProxyErrorCodes = {
  TOPIC_NOT_FOUND: 40401,
  PARTITION_NOT_FOUND: 40402,
  CONSUMER_INSTANCE_NOT_FOUND: 40403,
  LEADER_NOT_AVAILABLE: 40404,
  CONSUMER_FORMAT_MISMATCH: 40601,
  CONSUMER_ALREADY_SUBSCRIBED: 40901,
  CONSUMER_ALREADY_EXISTS: 40902,
  ILLEGAL_STATE: 40903,
  INVALID_CONSUMER_CONFIG: 42204,
  /** A Kafka error that will not go away by retrying. */
  KAFKA_ERROR: 50002,
  /** A Kafka error that may go away by retrying (leadership moved, a timeout). */
  KAFKA_RETRIABLE_ERROR: 50003,
} as const

export function topicNotFound(topic: string): ProxyError {
  return new ProxyError(404, ProxyErrorCodes.TOPIC_NOT_FOUND, `Topic not found: '${topic}' does not exist on this cluster.`)
}

export function partitionNotFound(topic: string, partition: number | string, partitionCount: number): ProxyError {
  return new ProxyError(404, ProxyErrorCodes.PARTITION_NOT_FOUND, `Partition not found: topic '${topic}' has partitions 0-${partitionCount - 1}, not ${partition}.`)
}

/** "broker 2 (10.0.0.2:9092)", or "no broker" while the partition has no leader. */
export function describeBroker(broker: BrokerContext, nodeId: number): string {
  if (nodeId < 0) return 'no broker (no leader is elected yet)'
  const endpoint = broker.cluster.broker(nodeId)
  return endpoint === undefined ? `broker ${nodeId}` : `broker ${nodeId} (${endpoint.host}:${endpoint.port})`
}
