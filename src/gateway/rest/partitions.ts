/**
 * A topic's partitions: GET /topics/{topic}/partitions, GET …/partitions/{p}, GET
 * …/partitions/{p}/offsets (`{"beginning_offset", "end_offset"}`: the log start offset and the
 * high watermark, through the same lookup as ListOffsets), and Redpanda's GET
 * …/partitions/{p}/records?offset=&timeout=&max_bytes= (records from an offset without a
 * consumer instance; the console's message browser uses it), answered in the embedded format the
 * Accept header asks for (binary by default).
 */
import { KafkaErrorCodes, kafkaError } from '../../protocol/error-codes.js'
import { ProxyError, ProxyErrorCodes, partitionNotFound, topicNotFound } from '../records/proxy-error.js'
import type { HttpServer } from '../uws.js'
import { acceptedRecordFormat, recordContentType, requireV2Accept } from './content-types.js'
import { partitionParam, restRoute } from './exchange.js'
import { restRecords } from './rest-records.js'
import type { RestContext } from './rest-context.js'
import { restPartition, restPartitions } from './topic-metadata.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

/** The longest a partition records read waits for records, whatever `timeout` asks: a parked read holds a purgatory slot. */
const MAX_READ_WAIT_MS = 30_000

export function partitionRoutes(server: HttpServer, context: RestContext): void {
  const { broker, logger } = context
  const known = (name: string) => {
    const topic = broker.metadata.topic(name)
    if (topic === undefined) throw topicNotFound(name)
    return topic
  }
  const existing = (name: string, text: string): number => {
    const topic = known(name)
    const partition = partitionParam(text, name)
    if (partition >= topic.partitions) throw partitionNotFound(name, partition, topic.partitions)
    return partition
  }

  server.route('get', '/topics/:topic/partitions', restRoute(logger, (exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    context.authorization.require(exchange, AclOperation.DESCRIBE, ResourceType.TOPIC, exchange.request.params[0]!)
    return { body: restPartitions(broker, known(exchange.request.params[0]!)) }
  }))

  server.route('get', '/topics/:topic/partitions/:partition', restRoute(logger, (exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    const [topic, text] = exchange.request.params as [string, string]
    context.authorization.require(exchange, AclOperation.DESCRIBE, ResourceType.TOPIC, topic)
    return { body: restPartition(broker, topic, existing(topic, text)) }
  }))

  server.route('get', '/topics/:topic/partitions/:partition/offsets', restRoute(logger, async (exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    const [topic, text] = exchange.request.params as [string, string]
    context.authorization.require(exchange, AclOperation.DESCRIBE, ResourceType.TOPIC, topic)
    const bounds = await context.positions.bounds(topic, existing(topic, text))
    return { body: { beginning_offset: bounds.beginning, end_offset: bounds.end } }
  }))

  server.route('get', '/topics/:topic/partitions/:partition/records', restRoute(logger, async (exchange) => {
    const [topic, text] = exchange.request.params as [string, string]
    context.authorization.require(exchange, AclOperation.READ, ResourceType.TOPIC, topic)
    const format = acceptedRecordFormat(exchange.request.headers.get('accept'), 'binary')
    const partition = existing(topic, text)
    const query = exchange.request.query
    const offset = integerQuery(query.get('offset'), 'offset', null)
    const timeoutMs = Math.min(integerQuery(query.get('timeout'), 'timeout', 0), MAX_READ_WAIT_MS)
    const maxBytes = Math.min(integerQuery(query.get('max_bytes'), 'max_bytes', 1024 * 1024), broker.config.get('http.consumer.request.max.bytes'))
    const aborted = new AbortController()
    exchange.onAbort(() => aborted.abort())
    const read = await context.reader.readRecords({ topic, positions: [{ partition, offset }], format, maxWaitMs: timeoutMs, maxBytes, signal: aborted.signal })
    const outcome = read.partitions[0]!
    if (outcome.errorCode === KafkaErrorCodes.OFFSET_OUT_OF_RANGE) {
      throw new ProxyError(400, 40002, `Offset ${offset} is out of range: ${topic}-${partition} holds offsets ${outcome.logStartOffset} to ${outcome.highWatermark - 1} (the next record gets ${outcome.highWatermark}).`)
    }
    if (outcome.errorCode !== KafkaErrorCodes.NONE) {
      const info = kafkaError(outcome.errorCode)
      throw new ProxyError(500, info.retriable ? ProxyErrorCodes.KAFKA_RETRIABLE_ERROR : ProxyErrorCodes.KAFKA_ERROR, `Reading ${topic}-${partition} failed: ${info.name}: ${info.message}`)
    }
    return { body: restRecords(topic, read.output), contentType: recordContentType(format) }
  }))
}

/** A non-negative integer query parameter; `fallback` when absent (null: required); 400 when malformed. */
export function integerQuery(text: string | null, name: string, fallback: number | null): number {
  if (text === null || text === '') {
    if (fallback === null) throw new ProxyError(400, 400, `The query parameter '${name}' is required.`)
    return fallback
  }
  if (!/^\d{1,15}$/.test(text)) throw new ProxyError(400, 400, `The query parameter '${name}' must be a non-negative integer, not '${text}'.`)
  return Number(text)
}
