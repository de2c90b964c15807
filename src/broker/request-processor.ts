/**
 * The broker's side of a connection: turns a request frame into a response frame.
 *
 * decode header and body → pick the handler → check the version → handle → encode.
 * What Kafka does with bad requests, we do: a frame that does not parse, an API key we do not
 * know, or a version beyond what we describe closes the connection; a version we advertise but
 * do not serve gets UNSUPPORTED_VERSION in every error field; an ApiVersions request of a
 * version we do not know gets a v0 answer with UNSUPPORTED_VERSION and our ApiVersions range,
 * so the client retries with a version we speak (KIP-511). A handler that throws is answered
 * with UNKNOWN_SERVER_ERROR and logged; the broker keeps running.
 */
import type { Logger } from '../common/logger.js'
import {
  CLOSE_CONNECTION,
  type ConnectionInfo,
  NO_RESPONSE as NETWORK_NO_RESPONSE,
  type Outcome,
  type RequestProcessor,
} from '../network/connection.js'
import { ApiKeys, apiKeyName } from '../protocol/api-keys.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import { decodeRequest, encodeResponse } from '../protocol/frames.js'
import type { DescribedApiKey, ResponseInputOf } from '../protocol/messages/index.js'
import type { FetchRequest } from '../protocol/messages/fetch.js'
import { type ApiHandler, CLOSE_CONNECTION as HANDLER_CLOSE, NO_RESPONSE, type RequestContext, servedRange } from './handler.js'
import type { RequestMetrics } from './request-metrics.js'
import type { ClientQuotaManager } from '../security/client-quota-manager.js'
import { recordQuotas } from './request-throttle.js'

export class BrokerRequestProcessor implements RequestProcessor {
  readonly #handlers: Array<ApiHandler | undefined> = []
  readonly #logger: Logger
  readonly #onConnectionClosed: ((connection: ConnectionInfo) => void) | undefined
  readonly #metrics: RequestMetrics | null
  readonly #quotas: ClientQuotaManager | null

  /**
   * `metrics`, when given, counts every request answered (or refused with an error) and its time;
   * `quotas`, when given, records each request against its client quotas and throttles the client.
   */
  constructor(
    handlers: readonly ApiHandler[],
    logger: Logger,
    onConnectionClosed?: (connection: ConnectionInfo) => void,
    metrics: RequestMetrics | null = null,
    quotas: ClientQuotaManager | null = null,
  ) {
    for (const handler of handlers) this.#handlers[handler.apiKey] = handler
    this.#logger = logger
    this.#onConnectionClosed = onConnectionClosed
    this.#metrics = metrics
    this.#quotas = quotas
  }

  /** The handlers, by ascending API key (ApiVersions reads its answer from them). */
  handlers(): ApiHandler[] {
    return this.#handlers.filter((h): h is ApiHandler => h !== undefined)
  }

  process(frame: Buffer, connection: ConnectionInfo): Outcome | Promise<Outcome> {
    const started = performance.now()
    let request: ReturnType<typeof decodeRequest>
    try {
      request = decodeRequest(frame)
    } catch (error) {
      this.#logger.warn('closing connection: malformed request', { connection: connection.id, remote: connection.remoteAddress, error })
      return CLOSE_CONNECTION
    }
    const { header } = request
    // Shown with the connection in the console's Clients view; a string the decoder already made.
    connection.clientId = header.clientId
    const handler = this.#handlers[header.apiKey]
    if (!request.supported || handler === undefined) {
      if (header.apiKey === ApiKeys.ApiVersions) return this.#unsupportedApiVersions(header.correlationId)
      this.#logger.warn('closing connection: unsupported request', {
        connection: connection.id,
        remote: connection.remoteAddress,
        api: apiKeyName(header.apiKey),
        version: header.apiVersion,
        clientId: header.clientId,
      })
      return CLOSE_CONNECTION
    }

    const apiKey = request.apiKey as DescribedApiKey
    const context: RequestContext = { header, apiVersion: header.apiVersion, connection }
    const served = servedRange(handler)
    if (header.apiVersion < served.min || header.apiVersion > served.max) {
      return this.#encode(apiKey, header.apiVersion, header.correlationId, handler.errorResponse(request.body as never, KafkaErrorCodes.UNSUPPORTED_VERSION, context))
    }

    let result: ReturnType<ApiHandler['handle']>
    try {
      result = handler.handle(request.body as never, context)
    } catch (error) {
      return this.#timed(apiKey, request.body, started, this.#failed(handler, request.body, context, error))
    }
    if (result instanceof Promise) {
      return result.then(
        (body) => this.#timed(apiKey, request.body, started, this.#outcome(apiKey, header.apiVersion, header.correlationId, this.#throttled(context, request.body, frame.length, started, body))),
        (error: unknown) => this.#timed(apiKey, request.body, started, this.#failed(handler, request.body, context, error)),
      )
    }
    return this.#timed(apiKey, request.body, started, this.#outcome(apiKey, header.apiVersion, header.correlationId, this.#throttled(context, request.body, frame.length, started, result)))
  }

  /** With client quotas set: records the request, and on a violation sets throttle_time_ms and mutes the connection. */
  #throttled<B>(context: RequestContext, request: unknown, requestBytes: number, started: number, body: B): B {
    const quotas = this.#quotas
    if (quotas === null || !quotas.active) return body
    return recordQuotas(quotas, context, request, requestBytes, performance.now() - started, body)
  }

  #outcome(apiKey: DescribedApiKey, apiVersion: number, correlationId: number, body: Awaited<ReturnType<ApiHandler['handle']>>): Outcome {
    return body === NO_RESPONSE ? NETWORK_NO_RESPONSE
      : body === HANDLER_CLOSE ? CLOSE_CONNECTION
      : this.#encode(apiKey, apiVersion, correlationId, body)
  }

  /** Records the request's type and time in the metrics, and passes its outcome on. */
  #timed(apiKey: number, body: unknown, started: number, outcome: Outcome): Outcome {
    if (this.#metrics !== null) {
      const fromFollower = apiKey === ApiKeys.Fetch && fetchReplicaId(body as FetchRequest) >= 0
      this.#metrics.record(apiKey, fromFollower, performance.now() - started)
    }
    return outcome
  }

  connectionClosed(connection: ConnectionInfo): void {
    this.#onConnectionClosed?.(connection)
  }

  #encode(apiKey: DescribedApiKey, apiVersion: number, correlationId: number, body: ResponseInputOf<DescribedApiKey>): Outcome {
    return { chunks: encodeResponse(apiKey, apiVersion, correlationId, body as never).chunks }
  }

  #failed(handler: ApiHandler, body: unknown, context: RequestContext, error: unknown): Outcome {
    this.#logger.error('request failed', {
      api: apiKeyName(handler.apiKey),
      version: context.apiVersion,
      clientId: context.header.clientId,
      error,
      stack: (error as Error)?.stack,
    })
    try {
      const response = handler.errorResponse(body as never, KafkaErrorCodes.UNKNOWN_SERVER_ERROR, context)
      return this.#encode(handler.apiKey, context.apiVersion, context.header.correlationId, response)
    } catch {
      return CLOSE_CONNECTION
    }
  }

  /** KIP-511: a v0 body with UNSUPPORTED_VERSION and the ApiVersions range, under a v0 header. */
  #unsupportedApiVersions(correlationId: number): Outcome {
    const own = this.#handlers[ApiKeys.ApiVersions]!
    return this.#encode(ApiKeys.ApiVersions, 0, correlationId, {
      errorCode: KafkaErrorCodes.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: ApiKeys.ApiVersions, minVersion: own.advertised.min, maxVersion: own.advertised.max }],
    })
  }
}

/** The fetching broker's id (replica_id before v15, replica_state from v15), or -1 for a consumer. */
function fetchReplicaId(request: FetchRequest): number {
  return request.replicaId >= 0 ? request.replicaId : (request.replicaState?.replicaId ?? -1)
}
