/**
 * How REST routes answer: JSON bodies with the v2 content type, and every failure as the proxy's
 * error body `{"error_code": ..., "message": ...}` with its HTTP status. A route is written as an
 * async function that returns its answer or throws a ProxyError; `restRoute` turns both into the
 * response, so no route can forget the error shape or leave a request unanswered.
 */
import type { Logger } from '../../common/logger.js'
import { ProxyError } from '../records/proxy-error.js'
import { BodyTooLargeError, type HttpExchange, type HttpHandler } from '../uws.js'
import { V2_JSON, requireControlContentType } from './content-types.js'

/**
 * A route's answer: status, JSON value (undefined: an empty body; EncodedJson: JSON already
 * encoded), content type (v2 by default).
 */
export interface RestAnswer {
  readonly status?: number
  readonly body: unknown
  readonly contentType?: string
}

/** A body that is JSON already (UTF-8), e.g. encoded once and served to many requests. */
export class EncodedJson {
  readonly bytes: Uint8Array
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }
}

export type RestHandler = (exchange: HttpExchange) => Promise<RestAnswer | undefined> | RestAnswer | undefined

/**
 * A handler that answers synchronously is answered synchronously: no promise per request, and
 * the response leaves within uWS's callback (a loaded gateway serves tens of thousands of such
 * GETs a second).
 */
export function restRoute(logger: Logger, handler: RestHandler): HttpHandler {
  return (exchange) => {
    let answer: ReturnType<RestHandler>
    try {
      answer = handler(exchange)
    } catch (error) {
      sendError(exchange, logger, error)
      return
    }
    if (answer instanceof Promise) return answer.then((settled) => sendAnswer(exchange, logger, settled), (error: unknown) => sendError(exchange, logger, error))
    sendAnswer(exchange, logger, answer)
  }
}

function sendAnswer(exchange: HttpExchange, logger: Logger, answer: RestAnswer | undefined): void {
  if (answer === undefined) return
  try {
    const status = answer.status ?? 200
    if (status === 204 || answer.body === undefined) exchange.respond(status, '')
    else if (answer.body instanceof EncodedJson) exchange.respondJson(status, answer.body.bytes, answer.contentType ?? V2_JSON)
    else exchange.json(status, answer.body, answer.contentType ?? V2_JSON)
  } catch (error) {
    sendError(exchange, logger, error)
  }
}

export function sendError(exchange: HttpExchange, logger: Logger, error: unknown): void {
  if (error instanceof ProxyError) {
    exchange.json(error.status, { error_code: error.errorCode, message: error.message }, V2_JSON)
    return
  }
  if (error instanceof BodyTooLargeError) {
    exchange.json(413, { error_code: 413, message: `HTTP 413 Payload Too Large: ${error.message} Send fewer records per request (limit: http.request.max.bytes).` }, V2_JSON)
    return
  }
  logger.error('REST request failed', { method: exchange.request.method, path: exchange.request.path, error })
  exchange.json(500, { error_code: 500, message: `Internal server error: ${error instanceof Error ? error.message : String(error)}` }, V2_JSON)
}

/**
 * A control request's JSON body (consumer instances, subscriptions, offsets): 415 for another
 * content type, 400 for malformed JSON, 422 when it is not an object. An empty body is `{}`.
 */
export async function controlBody(exchange: HttpExchange): Promise<Record<string, unknown>> {
  requireControlContentType(exchange.request.headers.get('content-type'))
  const bytes = await exchange.body()
  if (bytes.length === 0) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    throw new ProxyError(400, 400, `The request body is not valid JSON: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ProxyError(422, 422, 'The request body must be a JSON object.')
  return parsed as Record<string, unknown>
}

/** A route parameter that must be a partition number. */
export function partitionParam(text: string, topic: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new ProxyError(404, 40402, `Partition not found: '${text}' is not a partition number of topic '${topic}'.`)
  return Number(text)
}
