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
import { type ApiHandler, CLOSE_CONNECTION as HANDLER_CLOSE, NO_RESPONSE, type RequestContext, servedRange } from './handler.js'

export class BrokerRequestProcessor implements RequestProcessor {
  readonly #handlers: Array<ApiHandler | undefined> = []
  readonly #logger: Logger
  readonly #onConnectionClosed: ((connection: ConnectionInfo) => void) | undefined

  constructor(handlers: readonly ApiHandler[], logger: Logger, onConnectionClosed?: (connection: ConnectionInfo) => void) {
    for (const handler of handlers) this.#handlers[handler.apiKey] = handler
    this.#logger = logger
    this.#onConnectionClosed = onConnectionClosed
  }

  /** The handlers, by ascending API key (ApiVersions reads its answer from them). */
  handlers(): ApiHandler[] {
    return this.#handlers.filter((h): h is ApiHandler => h !== undefined)
  }

  process(frame: Buffer, connection: ConnectionInfo): Outcome | Promise<Outcome> {
    let request: ReturnType<typeof decodeRequest>
    try {
      request = decodeRequest(frame)
    } catch (error) {
      this.#logger.warn('closing connection: malformed request', { connection: connection.id, remote: connection.remoteAddress, error })
      return CLOSE_CONNECTION
    }
    const { header } = request
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
      return this.#failed(handler, request.body, context, error)
    }
    if (result === NO_RESPONSE) return NETWORK_NO_RESPONSE
    if (result === HANDLER_CLOSE) return CLOSE_CONNECTION
    if (result instanceof Promise) {
      return result.then(
        (body) =>
          body === NO_RESPONSE ? NETWORK_NO_RESPONSE
          : body === HANDLER_CLOSE ? CLOSE_CONNECTION
          : this.#encode(apiKey, header.apiVersion, header.correlationId, body),
        (error: unknown) => this.#failed(handler, request.body, context, error),
      )
    }
    return this.#encode(apiKey, header.apiVersion, header.correlationId, result)
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
