/**
 * The error the client throws when a broker answered with a Kafka error code: a SamsaError with
 * code SAMSA_KAFKA that also carries the wire code (`errorCode`, e.g. 36), its name in Kafka's
 * vocabulary (`errorName`, e.g. 'TOPIC_ALREADY_EXISTS') and whether Kafka calls it retriable.
 * Callers branch on `errorName` or `errorCode`, never on the message, which is for people.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { kafkaError } from '../protocol/error-codes.js'

const kKafkaError = Symbol.for('samsa.kafka-error')

export class KafkaError extends SamsaError {
  /** Kafka's numeric error code, as it came over the wire. */
  readonly errorCode: number
  /** Kafka's name for the code (UNKNOWN_TOPIC_OR_PARTITION, NOT_COORDINATOR, ...). */
  readonly errorName: string
  /** True when Kafka documents the error as transient: the same call may succeed later. */
  readonly retriable: boolean

  constructor(errorCode: number, message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.KAFKA, message, options)
    const info = kafkaError(errorCode)
    this.name = 'KafkaError'
    this.errorCode = errorCode
    this.errorName = info.name
    this.retriable = info.retriable
  }

  get [kKafkaError](): true {
    return true
  }

  /**
   * Works across copies of this module (the ES module and CommonJS builds of samsa loaded in
   * one process, where `instanceof` would say no); `errorName` narrows it to one error.
   */
  static override is(value: unknown, errorName?: string): value is KafkaError {
    if (value === null || typeof value !== 'object') return false
    if ((value as { [kKafkaError]?: boolean })[kKafkaError] !== true) return false
    return errorName === undefined || (value as KafkaError).errorName === errorName
  }
}

/** A KafkaError whose message says what failed and how Kafka describes the code. */
export function kafkaFailure(errorCode: number, what: string, detail?: string | null): KafkaError {
  const info = kafkaError(errorCode)
  return new KafkaError(errorCode, `${what} failed: ${info.name}: ${detail ?? info.message}`)
}
