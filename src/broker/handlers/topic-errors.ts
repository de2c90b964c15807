/** Maps a refused topic operation onto Kafka's error code (and message, where the API has one). */
import type { Logger } from '../../common/logger.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { TopicError } from '../../metadata/metadata-store.js'

export function topicErrorCode(error: unknown): number {
  if (error instanceof TopicError && Object.hasOwn(KafkaErrorCodes, error.kafkaError)) {
    return KafkaErrorCodes[error.kafkaError as keyof typeof KafkaErrorCodes]
  }
  return KafkaErrorCodes.UNKNOWN_SERVER_ERROR
}

export interface ErrorResult {
  readonly errorCode: number
  readonly errorMessage: string | null
}

/**
 * The error code and message to answer for one resource of an admin request whose operation
 * failed. A TopicError is a refusal and carries its Kafka error; anything else is a failure of
 * ours (storage, for one): it is logged and answered UNKNOWN_SERVER_ERROR for that resource only,
 * so the other resources of the request still get their answers.
 */
export function errorResult(error: unknown, logger: Logger, what: Record<string, unknown>): ErrorResult {
  if (error instanceof TopicError) return { errorCode: topicErrorCode(error), errorMessage: error.message }
  logger.error('admin operation failed', { ...what, error, stack: (error as Error)?.stack })
  return { errorCode: KafkaErrorCodes.UNKNOWN_SERVER_ERROR, errorMessage: 'The broker failed to carry out the operation; see its log.' }
}

/** A refusal of one resource, with Kafka's error code by name. */
export function refusal(kafkaError: keyof typeof KafkaErrorCodes, errorMessage: string): ErrorResult {
  return { errorCode: KafkaErrorCodes[kafkaError], errorMessage }
}

export const NO_ERROR: ErrorResult = { errorCode: KafkaErrorCodes.NONE, errorMessage: null }
