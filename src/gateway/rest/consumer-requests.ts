/**
 * The bodies of consumer-instance requests, checked field by field: a malformed field is the
 * proxy's 422 with the field named, an invalid consumer setting 42204, so a client learns what to
 * fix. Nothing here touches an instance.
 */
import type { EmbeddedFormat } from '../../workers/tasks/encode-embedded-records.js'
import type { TopicPartition } from '../records/group-member.js'
import { ProxyError, ProxyErrorCodes } from '../records/proxy-error.js'

export interface InstanceSettings {
  readonly name: string | null
  readonly format: EmbeddedFormat
  readonly autoOffsetReset: 'earliest' | 'latest'
  readonly autoCommit: boolean
  readonly fetchMinBytes: number
  readonly requestTimeoutMs: number | null
}

function invalidConfig(message: string): ProxyError {
  return new ProxyError(422, ProxyErrorCodes.INVALID_CONSUMER_CONFIG, `Invalid consumer configuration: ${message}`)
}

function malformed(message: string): ProxyError {
  return new ProxyError(422, 422, message)
}

/** POST /consumers/{group}: `{name, format, auto.offset.reset, auto.commit.enable, fetch.min.bytes, consumer.request.timeout.ms}`. */
export function instanceSettings(body: Record<string, unknown>): InstanceSettings {
  const name = body['name'] ?? null
  if (name !== null && (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,200}$/.test(name))) {
    throw invalidConfig(`name must be 1-200 characters of letters, digits, '.', '_' and '-', not ${JSON.stringify(name)}.`)
  }
  const format = body['format'] ?? 'binary'
  if (format === 'avro' || format === 'jsonschema' || format === 'protobuf') {
    throw invalidConfig(`format '${format}' needs a schema registry, which this proxy does not have; use 'binary' or 'json'.`)
  }
  if (format !== 'binary' && format !== 'json') throw invalidConfig(`format must be 'binary' or 'json', not ${JSON.stringify(format)}.`)
  const reset = body['auto.offset.reset'] ?? 'latest'
  // 'smallest' and 'largest' are the old consumer's names, which Confluent's v1 took.
  const autoOffsetReset = reset === 'earliest' || reset === 'smallest' ? 'earliest' : reset === 'latest' || reset === 'largest' ? 'latest' : null
  if (autoOffsetReset === null) throw invalidConfig(`auto.offset.reset must be 'earliest' or 'latest', not ${JSON.stringify(reset)}.`)
  const commit = body['auto.commit.enable'] ?? true
  const autoCommit = commit === true || commit === 'true' ? true : commit === false || commit === 'false' ? false : null
  if (autoCommit === null) throw invalidConfig(`auto.commit.enable must be true or false, not ${JSON.stringify(commit)}.`)
  const fetchMinBytes = integerSetting(body, 'fetch.min.bytes', 1)
  const timeout = integerSetting(body, 'consumer.request.timeout.ms', -1)
  return { name, format, autoOffsetReset, autoCommit, fetchMinBytes: Math.max(1, fetchMinBytes), requestTimeoutMs: timeout < 0 ? null : timeout }
}

/** A setting given as a number or a numeric string (Confluent's clients send both). */
function integerSetting(body: Record<string, unknown>, name: string, fallback: number): number {
  const value = body[name]
  if (value === undefined || value === null) return fallback
  const number = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value
  if (typeof number !== 'number' || !Number.isInteger(number)) throw invalidConfig(`${name} must be an integer, not ${JSON.stringify(value)}.`)
  return number
}

/** `{"topics": [...]}` of a subscription. */
export function subscriptionTopics(body: Record<string, unknown>): string[] {
  if (body['topic_pattern'] !== undefined) throw malformed('Subscribing by topic_pattern is not supported by this proxy; list the topics in "topics".')
  const topics = body['topics']
  if (!Array.isArray(topics) || topics.length === 0 || !topics.every((t) => typeof t === 'string' && t !== '')) {
    throw malformed('A subscription needs "topics": a non-empty array of topic names.')
  }
  return topics as string[]
}

/** `{"partitions": [{"topic", "partition"}]}`; `required` false lets an empty or absent list through. */
export function topicPartitions(body: Record<string, unknown>, required = true): TopicPartition[] {
  const list = body['partitions']
  if (list === undefined && !required) return []
  if (!Array.isArray(list)) throw malformed('The body needs "partitions": an array of {"topic", "partition"}.')
  return list.map((entry: unknown, i) => {
    const { topic, partition } = (entry ?? {}) as { topic?: unknown; partition?: unknown }
    if (typeof topic !== 'string' || !Number.isInteger(partition) || (partition as number) < 0) {
      throw malformed(`partitions[${i}] must be {"topic": string, "partition": non-negative integer}, not ${JSON.stringify(entry)}.`)
    }
    return { topic, partition: partition as number }
  })
}

/** `{"offsets": [{"topic", "partition", "offset", "metadata"?}]}`; null when the body has none (commit everything). */
export function partitionOffsets(body: Record<string, unknown>, required: boolean): Array<TopicPartition & { offset: number; metadata?: string }> | null {
  const list = body['offsets']
  if (list === undefined && !required) return null
  if (!Array.isArray(list) || (required && list.length === 0)) throw malformed('The body needs "offsets": an array of {"topic", "partition", "offset"}.')
  return list.map((entry: unknown, i) => {
    const { topic, partition, offset, metadata } = (entry ?? {}) as { topic?: unknown; partition?: unknown; offset?: unknown; metadata?: unknown }
    if (typeof topic !== 'string' || !Number.isInteger(partition) || (partition as number) < 0 || !Number.isInteger(offset) || (offset as number) < 0) {
      throw malformed(`offsets[${i}] must be {"topic": string, "partition": integer, "offset": non-negative integer}, not ${JSON.stringify(entry)}.`)
    }
    if (metadata !== undefined && metadata !== null && typeof metadata !== 'string') throw malformed(`offsets[${i}].metadata must be a string.`)
    return { topic, partition: partition as number, offset: offset as number, ...(typeof metadata === 'string' ? { metadata } : {}) }
  })
}
