/**
 * How the console's JSON API answers: a handler returns a value (200, or the status it names) or
 * throws a ProxyError (the gateway's one error type), and the client gets `{"error_code", "message"}` with the HTTP status,
 * the error body the REST Proxy v2 uses (error_code is the status followed by two digits, as
 * there: 40401 is an unknown topic). Refusals from the broker's services (TopicError, carrying
 * Kafka's error name) map onto a status here, once, so every route says the same thing for the
 * same refusal. Anything else is the broker's failure: logged, and answered 500.
 */
import { ErrorCodes, SamsaError } from '../../../common/errors.js'
import type { Logger } from '../../../common/logger.js'
import { TopicError } from '../../../metadata/metadata-store.js'
import { ProxyError } from '../../records/proxy-error.js'
import { BodyTooLargeError, type HttpExchange, type HttpMethod, type HttpServer } from '../../uws.js'

/** The console API's error codes (status × 100 + n), in the REST Proxy's style. */
export const ConsoleErrors = {
  BAD_REQUEST: 40001,
  MALFORMED_JSON: 40002,
  TOPIC_DELETION_DISABLED: 40301,
  TOPIC_NOT_FOUND: 40401,
  PARTITION_NOT_FOUND: 40402,
  GROUP_NOT_FOUND: 40403,
  TOPIC_EXISTS: 40901,
  GROUP_NOT_EMPTY: 40902,
  BODY_TOO_LARGE: 41301,
  INVALID_VALUE: 42201,
  NOT_AVAILABLE: 50301,
} as const

/** Kafka's refusals (TopicError's kafkaError) as the console API answers them. */
const kafkaRefusals: Record<string, readonly [status: number, errorCode: number]> = {
  UNKNOWN_TOPIC_OR_PARTITION: [404, ConsoleErrors.TOPIC_NOT_FOUND],
  TOPIC_ALREADY_EXISTS: [409, ConsoleErrors.TOPIC_EXISTS],
  TOPIC_DELETION_DISABLED: [403, ConsoleErrors.TOPIC_DELETION_DISABLED],
  NOT_CONTROLLER: [503, ConsoleErrors.NOT_AVAILABLE],
}

export function badRequest(message: string): ProxyError {
  return new ProxyError(400, ConsoleErrors.BAD_REQUEST, message)
}

export function invalidValue(message: string): ProxyError {
  return new ProxyError(422, ConsoleErrors.INVALID_VALUE, message)
}

export function topicNotFound(topic: string): ProxyError {
  return new ProxyError(404, ConsoleErrors.TOPIC_NOT_FOUND, `Topic '${topic}' does not exist.`)
}

/** A handler's answer with a status other than 200. */
export interface WithStatus {
  readonly status: number
  readonly body: unknown
}

export function withStatus(status: number, body: unknown): WithStatus {
  return { status, body }
}

export type ApiHandler = (exchange: HttpExchange) => unknown

/** Registers a JSON route whose handler returns its answer or throws a ProxyError. */
export function apiRoute(server: HttpServer, logger: Logger, method: HttpMethod, pattern: string, handler: ApiHandler): void {
  server.route(method, pattern, async (exchange) => {
    let status = 200
    let body: unknown
    try {
      const result = await handler(exchange)
      if (result instanceof Object && 'status' in result && 'body' in result) {
        status = (result as WithStatus).status
        body = (result as WithStatus).body
      } else {
        body = result
      }
    } catch (error) {
      const refusal = asApiError(error)
      if (refusal === null) {
        logger.error('console API request failed', { method, path: exchange.request.path, error, stack: (error as Error)?.stack })
        exchange.json(500, { error_code: 50001, message: 'The broker failed to carry out the request; see its log.' })
        return
      }
      status = refusal.status
      body = { error_code: refusal.errorCode, message: refusal.message }
    }
    // The console's data changes from second to second; a cached answer would be a wrong one.
    exchange.respond(status, JSON.stringify(body), { 'content-type': 'application/json', 'cache-control': 'no-store' })
  }, { maxBodyBytes: 64 * 1024 })
}

function asApiError(error: unknown): ProxyError | null {
  if (error instanceof BodyTooLargeError) return new ProxyError(413, ConsoleErrors.BODY_TOO_LARGE, error.message)
  if (error instanceof TopicError) {
    const [status, errorCode] = kafkaRefusals[error.kafkaError] ?? [422, ConsoleErrors.INVALID_VALUE]
    return new ProxyError(status, errorCode, error.message)
  }
  // The shared records services (positions, groups) refuse with the REST Proxy's codes, which
  // the console's share; what is retriable there is "not available now" here.
  if (error instanceof ProxyError) {
    return error.status >= 500 ? new ProxyError(503, ConsoleErrors.NOT_AVAILABLE, error.message) : error
  }
  // A setting that does not parse (SAMSA_CONFIG) is the client's mistake, not ours.
  if (error instanceof SamsaError && error.code === ErrorCodes.CONFIG) return invalidValue(error.message)
  return null
}

/** The request body as a JSON object; 400 when it is not one. */
export async function jsonObjectBody(exchange: HttpExchange): Promise<Record<string, unknown>> {
  const text = (await exchange.body()).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new ProxyError(400, ConsoleErrors.MALFORMED_JSON, `The request body is not valid JSON: ${(error as Error).message}`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ProxyError(400, ConsoleErrors.MALFORMED_JSON, 'The request body must be a JSON object.')
  }
  return value as Record<string, unknown>
}

/** A whole number within [min, max] from a body field or query parameter, or the fallback when absent. */
export function integerField(value: unknown, what: string, min: number, max: number, fallback?: number): number {
  if ((value === undefined || value === null || value === '') && fallback !== undefined) return fallback
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw invalidValue(`${what} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value ?? null)}.`)
  }
  return number
}
