/**
 * GET /api/topics/:topic/partitions/:partition/records?offset=&limit=&max_bytes=: the message
 * browser's read. It goes through the gateway's partition reader (fetchRecords, decoded in the
 * worker pool), as the REST Proxy's records route does, but answers what a person browsing wants
 * and REST Proxy v2 leaves out: each record's timestamp and headers, beside its key and value in
 * base64 (the browser shows them as text, JSON or hex). At most `limit` records (default 100),
 * from at most `max_bytes` of batches (default 1 MiB); it never waits for new records (the live
 * tail is the WebSocket stream). `nextOffset` says where to read on; the partition's start and
 * end come along so the browser can page without asking again.
 */
import { KafkaErrorCodes } from '../../../protocol/error-codes.js'
import type { PartitionReader } from '../../records/partition-reader.js'
import type { GatewayServices } from '../../gateway.js'
import type { HttpServer } from '../../uws.js'
import { ProxyError } from '../../records/proxy-error.js'
import { ConsoleErrors, apiRoute, integerField, topicNotFound } from './api-route.js'

const MAX_OFFSET = Number.MAX_SAFE_INTEGER

export function recordRoutes(server: HttpServer, { broker, logger }: GatewayServices, reader: PartitionReader): void {
  apiRoute(server, logger, 'get', '/api/topics/:topic/partitions/:partition/records', async (exchange) => {
    const [topic, partitionText] = exchange.request.params as [string, string]
    const known = broker.metadata.topic(topic)
    if (known === undefined) throw topicNotFound(topic)
    const partition = integerField(partitionText, 'partition', 0, 2 ** 31 - 1)
    if (partition >= known.partitions) {
      throw new ProxyError(404, ConsoleErrors.PARTITION_NOT_FOUND, `Topic '${topic}' has ${known.partitions} partition(s); there is no partition ${partition}.`)
    }
    const query = exchange.request.query
    const offset = integerField(query.get('offset'), 'offset', 0, MAX_OFFSET)
    const limit = integerField(query.get('limit'), 'limit', 1, 10_000, 100)
    const maxBytes = integerField(query.get('max_bytes'), 'max_bytes', 1, broker.config.get('fetch.max.bytes'), 1024 * 1024)
    const read = await reader.readRecords({ topic, positions: [{ partition, offset }], format: 'binary', maxBytes })
    const outcome = read.partitions[0]!
    if (outcome.errorCode === KafkaErrorCodes.OFFSET_OUT_OF_RANGE) {
      throw new ProxyError(
        422,
        ConsoleErrors.INVALID_VALUE,
        `Offset ${offset} is out of range: ${topic}-${partition} holds offsets ${outcome.logStartOffset} to ${outcome.highWatermark - 1}.`,
      )
    }
    if (outcome.errorCode === KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER || outcome.errorCode === KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION) {
      const leader = broker.metadata.partitionState(topic, partition)?.leader ?? -1
      throw new ProxyError(503, ConsoleErrors.NOT_AVAILABLE, `${topic}-${partition} cannot be read now: ${leader === -1 ? 'it has no leader' : `its leadership is moving (broker ${leader} by the latest metadata)`}; try again shortly.`)
    }
    if (outcome.errorCode !== KafkaErrorCodes.NONE) {
      throw new ProxyError(503, ConsoleErrors.NOT_AVAILABLE, `Reading ${topic}-${partition} failed with Kafka error ${outcome.errorCode}; try again shortly.`)
    }
    // A read returns whole batches: the records before `offset` in the first one are left out by
    // the reader, those past `limit` here.
    const records = read.output.length > limit ? read.output.slice(0, limit) : read.output
    const nextOffset = records.length < read.output.length ? Number(records[records.length - 1]!.offset) + 1 : outcome.nextOffset
    return {
      topic,
      partition,
      startOffset: outcome.logStartOffset,
      endOffset: outcome.highWatermark,
      nextOffset,
      records: records.map((r) => ({ offset: Number(r.offset), timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })),
    }
  })
}
