/**
 * Kafka's error code for a storage-engine failure, chosen by the engine's stable SEGLOG_* code
 * alone (each batch check has its own; the message is for people, never matched). Kafka reports
 * a bad CRC or a frame that does not hold together (too short, a length running past the data,
 * nothing at all) as CORRUPT_MESSAGE; a well-framed batch that breaks a rule (magic, baseOffset,
 * lastOffsetDelta, control batches from clients, sequences) as INVALID_RECORD; disk trouble as
 * KAFKA_STORAGE_ERROR.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'

export const kafkaErrorByStorageCode: Readonly<Record<string, number>> = {
  SEGLOG_CORRUPT_MESSAGE: KafkaErrorCodes.CORRUPT_MESSAGE,
  SEGLOG_EMPTY_RECORD_SET: KafkaErrorCodes.CORRUPT_MESSAGE,
  SEGLOG_BATCH_SHORTER_THAN_HEADER: KafkaErrorCodes.CORRUPT_MESSAGE,
  SEGLOG_BATCH_LENGTH_BELOW_MINIMUM: KafkaErrorCodes.CORRUPT_MESSAGE,
  SEGLOG_BATCH_LENGTH_PAST_BUFFER: KafkaErrorCodes.CORRUPT_MESSAGE,
  SEGLOG_INVALID_MAGIC: KafkaErrorCodes.INVALID_RECORD,
  SEGLOG_COMPACTED_TOPIC_MISSING_KEY: KafkaErrorCodes.INVALID_RECORD,
  SEGLOG_BATCH_OFFSET_DELTA_MISMATCH: KafkaErrorCodes.INVALID_RECORD,
  SEGLOG_BATCH_NONZERO_BASE_OFFSET: KafkaErrorCodes.INVALID_RECORD,
  SEGLOG_BATCH_CONTROL_FROM_CLIENT: KafkaErrorCodes.INVALID_RECORD,
  SEGLOG_BATCH_MISSING_SEQUENCE: KafkaErrorCodes.INVALID_RECORD,
  SEGLOG_BATCH_NON_MONOTONIC_OFFSET: KafkaErrorCodes.INVALID_RECORD,
  SEGLOG_UNEXPECTED_APPEND_OFFSET: KafkaErrorCodes.INVALID_RECORD,
  SEGLOG_MESSAGE_TOO_LARGE: KafkaErrorCodes.MESSAGE_TOO_LARGE,
  SEGLOG_RECORD_SET_TOO_LARGE: KafkaErrorCodes.RECORD_LIST_TOO_LARGE,
  SEGLOG_OFFSET_OUT_OF_RANGE: KafkaErrorCodes.OFFSET_OUT_OF_RANGE,
  SEGLOG_IO: KafkaErrorCodes.KAFKA_STORAGE_ERROR,
  SEGLOG_CLOSED: KafkaErrorCodes.KAFKA_STORAGE_ERROR,
  // A log taken offline after a background flush failed (disk full, out of descriptors), as
  // Kafka takes a log dir offline after an I/O error: refused until the broker restarts.
  SAMSA_STORAGE: KafkaErrorCodes.KAFKA_STORAGE_ERROR,
}

export function storageErrorCode(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code
  return (typeof code === 'string' ? kafkaErrorByStorageCode[code] : undefined) ?? KafkaErrorCodes.UNKNOWN_SERVER_ERROR
}
