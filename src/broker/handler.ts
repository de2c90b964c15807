/**
 * What every API handler is: the versions it advertises and serves, how it answers a decoded
 * request, and how it answers with one error code everywhere (for versions it advertises but
 * does not serve, and for unexpected failures). One handler per Kafka API, in handlers/<api>.ts.
 */
import type { ConnectionInfo } from '../network/connection.js'
import type { RequestHeader } from '../protocol/headers.js'
import type { DescribedApiKey, RequestOf, ResponseInputOf } from '../protocol/messages/index.js'

/** Returned by a handler that must not answer (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('samsa.broker.noResponse')

/**
 * Returned by a handler that cannot answer but must tell the client something went wrong:
 * Kafka closes the connection of an acks=0 producer whose request failed, so it refreshes its
 * metadata instead of sending into the void.
 */
export const CLOSE_CONNECTION: unique symbol = Symbol('samsa.broker.closeConnection')

export interface VersionRange {
  readonly min: number
  readonly max: number
}

export interface RequestContext {
  readonly header: RequestHeader
  readonly apiVersion: number
  readonly connection: ConnectionInfo
}

export type HandlerResult<K extends DescribedApiKey> =
  | ResponseInputOf<K>
  | typeof NO_RESPONSE
  | typeof CLOSE_CONNECTION
  | Promise<ResponseInputOf<K> | typeof NO_RESPONSE | typeof CLOSE_CONNECTION>

export interface ApiHandler<K extends DescribedApiKey = DescribedApiKey> {
  readonly apiKey: K
  /** The range ApiVersions advertises. */
  readonly advertised: VersionRange
  /**
   * The range actually served, when narrower than advertised. librdkafka enables features only
   * when the broker's range includes certain old versions (Produce 0 for compression, for one),
   * so Kafka itself advertises versions it then refuses with UNSUPPORTED_VERSION; so do we.
   */
  readonly served?: VersionRange
  handle(request: RequestOf<K>, context: RequestContext): HandlerResult<K>
  /** A response that carries `errorCode` in every place the response has one. */
  errorResponse(request: RequestOf<K>, errorCode: number, context: RequestContext): ResponseInputOf<K>
}

/** Identity function that lets TypeScript infer K from the apiKey literal. */
export function defineHandler<K extends DescribedApiKey>(handler: ApiHandler<K>): ApiHandler<K> {
  return handler
}

export function servedRange(handler: ApiHandler): VersionRange {
  return handler.served ?? handler.advertised
}
