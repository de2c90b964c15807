/** Maps a refused topic operation onto Kafka's error code (and message, where the API has one). */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { TopicError } from '../../metadata/metadata-store.js'

export function topicErrorCode(error: unknown): number {
  if (error instanceof TopicError && Object.hasOwn(KafkaErrorCodes, error.kafkaError)) {
    return KafkaErrorCodes[error.kafkaError as keyof typeof KafkaErrorCodes]
  }
  return KafkaErrorCodes.UNKNOWN_SERVER_ERROR
}
