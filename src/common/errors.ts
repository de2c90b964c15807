/**
 * Samsa's own errors. Each has a stable `SAMSA_*` code that callers and tests match on; the
 * message says what was wrong and what to do. Kafka's numeric error codes for the wire live in
 * src/protocol/error-codes.ts; this registry is for everything that is not a wire response.
 */

const kSamsaError = Symbol.for('samsa.error')

export const ErrorCodes = {
  /** A setting has an unknown name or an invalid value. */
  CONFIG: 'SAMSA_CONFIG',
  /** Bytes from the network do not form a valid Kafka frame or message. */
  PROTOCOL: 'SAMSA_PROTOCOL',
  /** The storage engine rejected an operation (the `cause` carries the addon's SEGLOG_* code). */
  STORAGE: 'SAMSA_STORAGE',
  /** The native addon could not be loaded. */
  NATIVE_LOAD: 'SAMSA_NATIVE_LOAD',
  /** A network peer could not be reached or closed the connection. */
  NETWORK: 'SAMSA_NETWORK',
  /** A topic operation was refused (the error carries the Kafka error name for the wire). */
  TOPIC: 'SAMSA_TOPIC',
  /** A command-line invocation is wrong. */
  USAGE: 'SAMSA_USAGE',
  /** A Kafka error code came back in a response the client needed to succeed. */
  KAFKA: 'SAMSA_KAFKA',
  /** An operation did not finish within its deadline. */
  TIMEOUT: 'SAMSA_TIMEOUT',
  /** etcd (cluster mode's metadata service) could not be reached or refused a call. */
  ETCD: 'SAMSA_ETCD',
  /** A cluster rule was broken: a node id already registered, a write by a deposed controller. */
  CLUSTER: 'SAMSA_CLUSTER',
  /**
   * The transaction coordinator was asked for a state change its state machine forbids (a
   * coordinator bug, never a client's doing: clients get Kafka error codes).
   */
  TRANSACTION_STATE: 'SAMSA_TRANSACTION_STATE',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

export class SamsaError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SamsaError'
    this.code = code
  }

  get [kSamsaError](): true {
    return true
  }

  /** Works across copies of this module (for example the broker and a worker thread). */
  static is(value: unknown, code?: ErrorCode): value is SamsaError {
    if (value === null || typeof value !== 'object') return false
    if ((value as { [kSamsaError]?: boolean })[kSamsaError] !== true) return false
    return code === undefined || (value as SamsaError).code === code
  }
}
