/**
 * Offsets by time and offset resets, through the lookup ListOffsets uses (at each partition's
 * leader: records/partition-positions.ts) and the commit path OffsetCommit uses (the group's
 * coordinator, wherever it is: records/group-coordinator-service.ts):
 * - GET /api/topics/:topic/partitions/:partition/offset?timestamp=<ms>: the first record at or
 *   after that time (offset null when there is none yet), for the message browser;
 * - POST /api/groups/:group/offsets/reset {"to": "earliest"|"latest"|"timestamp", "timestamp"?,
 *   "topics"?}: moves an empty group's committed offsets on every partition of `topics` (by
 *   default the topics it has committed), as `kafka-consumer-groups --reset-offsets --execute`
 *   does. A partition with no record at or after the timestamp goes to its end, as that tool
 *   does. Every partition is looked up before anything is committed, so a refused reset changes
 *   nothing; a group with members is refused (its consumers would overwrite the reset).
 */
import type { BrokerContext } from '../../../broker/broker-context.js'
import { KafkaErrorCodes } from '../../../protocol/error-codes.js'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../../replication/partition-offsets.js'
import type { GatewayServices } from '../../gateway.js'
import type { GroupCoordinatorService, GroupCoordinators } from '../../records/group-coordinator-service.js'
import type { PartitionPositions } from '../../records/partition-positions.js'
import type { HttpServer } from '../../uws.js'
import { ProxyError } from '../../records/proxy-error.js'
import { ConsoleErrors, apiRoute, integerField, invalidValue, jsonObjectBody, topicNotFound } from './api-route.js'

/** Timestamps up to the year 9999, in ms; anything larger is a typo. */
const MAX_TIMESTAMP_MS = 253_402_300_799_999

export function offsetRoutes(server: HttpServer, { broker, logger }: GatewayServices, coordinators: GroupCoordinators, positions: PartitionPositions): void {
  apiRoute(server, logger, 'get', '/api/topics/:topic/partitions/:partition/offset', async (exchange) => {
    const [topic, partitionText] = exchange.request.params as [string, string]
    const partitionIndex = integerField(partitionText, 'partition', 0, 2 ** 31 - 1)
    const timestamp = integerField(exchange.request.query.get('timestamp'), 'timestamp', 0, MAX_TIMESTAMP_MS)
    checkPartition(broker, topic, partitionIndex)
    const found = (await positions.lookUp(topic, [partitionIndex], timestamp)).get(partitionIndex)!
    return { topic, partition: partitionIndex, offset: found.offset >= 0 ? found.offset : null, timestamp: found.offset >= 0 ? found.timestamp : null }
  })

  apiRoute(server, logger, 'post', '/api/groups/:group/offsets/reset', async (exchange) => {
    const groupId = exchange.request.params[0]!
    const body = await jsonObjectBody(exchange)
    const target = resetTarget(body)
    await coordinators.ensureOffsetsTopic()
    const coordinator = coordinators.forGroup(groupId)
    const group = await coordinator.describeGroup(groupId)
    if (group.errorCode !== KafkaErrorCodes.NONE) {
      throw new ProxyError(503, ConsoleErrors.NOT_AVAILABLE, `The group coordinator cannot reach '${groupId}' now (Kafka error ${group.errorCode}); try again shortly.`)
    }
    if (group.state !== 'Empty' && group.state !== 'Dead') {
      throw notEmpty(groupId, group.state, group.members.length)
    }
    const topics = await resetTopics(broker, coordinator, groupId, body.topics)
    const previous = new Map<string, number>()
    for (const t of (await coordinator.fetchOffsets(groupId, null)).topics) {
      for (const p of t.partitions) previous.set(`${t.name}\u0000${p.partitionIndex}`, p.committed.offset)
    }
    const planned: Array<{ topic: string; partition: number; previousOffset: number | null; offset: number }> = []
    for (const topic of topics) {
      const indexes = Array.from({ length: broker.metadata.topic(topic)!.partitions }, (_, i) => i)
      const [found, ends] = await Promise.all([positions.offsets(topic, indexes, target), positions.offsets(topic, indexes, LATEST_TIMESTAMP)])
      for (const index of indexes) {
        let offset = found.get(index)!
        if (offset < 0) offset = ends.get(index)!
        const before = previous.get(`${topic}\u0000${index}`)
        planned.push({ topic, partition: index, previousOffset: before === undefined || before < 0 ? null : before, offset })
      }
    }
    const errors = await coordinator.commitOffsets({
      groupId,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: planned.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset, leaderEpoch: -1, metadata: null })),
    })
    const failed = errors.find((code) => code !== KafkaErrorCodes.NONE)
    if (failed === KafkaErrorCodes.UNKNOWN_MEMBER_ID || failed === KafkaErrorCodes.REBALANCE_IN_PROGRESS) {
      const now = await coordinator.describeGroup(groupId)
      throw notEmpty(groupId, now.state, now.members.length)
    }
    if (failed !== undefined) {
      throw new ProxyError(503, ConsoleErrors.NOT_AVAILABLE, `The group coordinator did not store the reset (Kafka error ${failed}); nothing was changed. Try again shortly.`)
    }
    return { groupId, offsets: planned }
  })
}

/** Refuses a topic or partition that does not exist. */
function checkPartition(broker: BrokerContext, topic: string, index: number): void {
  const known = broker.metadata.topic(topic)
  if (known === undefined) throw topicNotFound(topic)
  if (index >= known.partitions) {
    throw new ProxyError(404, ConsoleErrors.PARTITION_NOT_FOUND, `Topic '${topic}' has ${known.partitions} partition(s); there is no partition ${index}.`)
  }
}

/** The ListOffsets timestamp the body asks to reset to. */
function resetTarget(body: Record<string, unknown>): number {
  switch (body.to) {
    case 'earliest':
      return EARLIEST_TIMESTAMP
    case 'latest':
      return LATEST_TIMESTAMP
    case 'timestamp':
      return integerField(body.timestamp, 'timestamp (ms since the epoch)', 0, MAX_TIMESTAMP_MS)
    default:
      throw invalidValue(`"to" must be "earliest", "latest" or "timestamp", not ${JSON.stringify(body.to ?? null)}.`)
  }
}

/** The topics to reset: those named (each must exist), or those the group has committed. */
async function resetTopics(broker: BrokerContext, coordinator: GroupCoordinatorService, groupId: string, named: unknown): Promise<string[]> {
  if (named !== undefined && named !== null) {
    if (!Array.isArray(named) || named.length === 0 || !named.every((t) => typeof t === 'string')) {
      throw invalidValue('"topics" must be a non-empty list of topic names.')
    }
    for (const topic of named) if (broker.metadata.topic(topic) === undefined) throw topicNotFound(topic)
    return [...new Set(named as string[])]
  }
  const committed = (await coordinator.fetchOffsets(groupId, null)).topics.map((t) => t.name).filter((t) => broker.metadata.topic(t) !== undefined)
  if (committed.length === 0) throw invalidValue(`Group '${groupId}' has no committed offsets; name the topics to reset ("topics").`)
  return committed
}

function notEmpty(groupId: string, state: string, members: number): ProxyError {
  return new ProxyError(
    409,
    ConsoleErrors.GROUP_NOT_EMPTY,
    `Offsets can be reset only while group '${groupId}' has no members; it is ${state} with ${members} member(s). Stop its consumers first.`,
  )
}
