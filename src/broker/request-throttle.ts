/**
 * Client quotas on the request path (Kafka's KafkaApis + ClientQuotaManager.throttle): after a
 * request is handled, its bytes and handler time are recorded against the client's quotas; when
 * a quota is exceeded the response carries throttle_time_ms and the connection is muted for that
 * long, after the response is sent, so the client cannot send more until the time is up.
 *
 * What is counted where (as Kafka counts it): a Produce request's whole size against
 * producer_byte_rate; a consumer's Fetch response's record bytes against consumer_byte_rate
 * (followers are exempt: replication has its own throttles); every request's handler time against
 * request_percentage, except ApiVersions and the SASL exchange, which a client needs to connect.
 */
import { ApiKeys } from '../protocol/api-keys.js'
import type { FetchRequest, FetchResponseInput } from '../protocol/messages/fetch.js'
import type { ClientQuotaManager } from '../security/client-quota-manager.js'
import type { RequestContext } from './handler.js'

export function recordQuotas<B>(quotas: ClientQuotaManager, context: RequestContext, request: unknown, requestBytes: number, handlerMs: number, body: B): B {
  const apiKey = context.header.apiKey
  if (apiKey === ApiKeys.ApiVersions || apiKey === ApiKeys.SaslHandshake || apiKey === ApiKeys.SaslAuthenticate) return body
  const user = context.connection.principal.name
  const clientId = context.header.clientId ?? ''
  const nowMs = Date.now()
  let throttleMs = 0
  if (apiKey === ApiKeys.Produce) {
    throttleMs = quotas.record('producer_byte_rate', user, clientId, requestBytes, nowMs)
  } else if (apiKey === ApiKeys.Fetch) {
    const fetch = request as FetchRequest
    const fromFollower = fetch.replicaId >= 0 || (fetch.replicaState?.replicaId ?? -1) >= 0
    if (fromFollower) return body
    if (typeof body === 'object' && body !== null) throttleMs = quotas.record('consumer_byte_rate', user, clientId, fetchedBytes(body as unknown as FetchResponseInput), nowMs)
  }
  // Handler time in "percent of one thread" x seconds: ms / 10.
  throttleMs = Math.max(throttleMs, quotas.record('request_percentage', user, clientId, handlerMs / 10, nowMs))
  if (throttleMs <= 0) return body
  context.connection.mute?.(throttleMs)
  if (typeof body !== 'object' || body === null) return body
  // A copy: a handler may answer with an object it keeps (a cached response).
  const previous = (body as { throttleTimeMs?: number }).throttleTimeMs ?? 0
  return { ...body, throttleTimeMs: Math.max(previous, throttleMs) }
}

function fetchedBytes(response: FetchResponseInput): number {
  let bytes = 0
  for (const topic of response.responses ?? []) {
    for (const partition of topic.partitions) {
      const records = partition.records
      if (records !== null && records !== undefined) bytes += records.byteLength
    }
  }
  return bytes
}
