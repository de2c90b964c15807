/**
 * The console's topic routes, over the topic manager that CreateTopics and DeleteTopics use:
 * - GET /api/topics: every topic with its partition count, replication factor, size on disk and
 *   summed start/end offsets (the browser turns successive end offsets into messages in/s);
 * - POST /api/topics {name, partitions, replicationFactor, configs}: 201 with the new topic;
 *   partitions and replicationFactor default to the broker's num.partitions and
 *   default.replication.factor, as CreateTopics' -1 does;
 * - GET /api/topics/:topic: the summary with each partition's leader, replicas, ISR and offsets;
 * - DELETE /api/topics/:topic: refused for internal topics and when delete.topic.enable=false.
 * A refused request changes nothing: the topic manager checks the name, configs and placement
 * before it writes anything.
 */
import type { TopicMetadata } from '../../../metadata/metadata-store.js'
import type { GatewayServices } from '../../gateway.js'
import type { HttpServer } from '../../uws.js'
import { ProxyError } from '../../records/proxy-error.js'
import { ConsoleErrors, apiRoute, integerField, invalidValue, jsonObjectBody, topicNotFound, withStatus } from './api-route.js'
import type { PartitionPositions } from '../../records/partition-positions.js'
import { partitionSummaries, topicSummary } from './partition-summary.js'

export function topicRoutes(server: HttpServer, { broker, logger }: GatewayServices, positions: PartitionPositions): void {
  apiRoute(server, logger, 'get', '/api/topics', async () => {
    const all = [...broker.metadata.topics()]
    const bounds = await positions.boundsOfTopics(all.map((topic) => ({ topic: topic.name, partitions: indexesOf(topic) })))
    const topics = all.map((topic) => topicSummary(broker, topic, partitionSummaries(broker, topic, bounds.get(topic.name) ?? new Map())))
    return { topics: topics.sort((a, b) => a.name.localeCompare(b.name)) }
  })

  apiRoute(server, logger, 'post', '/api/topics', async (exchange) => {
    const body = await jsonObjectBody(exchange)
    if (typeof body.name !== 'string' || body.name === '') throw invalidValue('Give the new topic a name ("name": a non-empty string).')
    const partitions = integerField(body.partitions, 'partitions', 1, 10_000, -1)
    const replicationFactor = integerField(body.replicationFactor, 'replicationFactor', 1, 32_767, -1)
    const configs = stringMap(body.configs ?? {}, 'configs')
    const created = await broker.topics.createTopic(body.name, { partitions, replicationFactor, configs })
    return withStatus(201, topicSummary(broker, created, partitionSummaries(broker, created, await positions.boundsOfAll(created.name, indexesOf(created)))))
  })

  apiRoute(server, logger, 'get', '/api/topics/:topic', async (exchange) => {
    const name = exchange.request.params[0]!
    const topic = broker.metadata.topic(name)
    if (topic === undefined) throw topicNotFound(name)
    const partitions = partitionSummaries(broker, topic, await positions.boundsOfAll(topic.name, indexesOf(topic)))
    return { ...topicSummary(broker, topic, partitions), topicId: topic.topicId, partitionDetails: partitions }
  })

  apiRoute(server, logger, 'del', '/api/topics/:topic', async (exchange) => {
    const name = exchange.request.params[0]!
    if (!broker.config.get('delete.topic.enable')) {
      throw new ProxyError(403, ConsoleErrors.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled on this broker (delete.topic.enable=false).')
    }
    await broker.topics.deleteTopic(name)
    return { deleted: name }
  })
}

function indexesOf(topic: TopicMetadata): number[] {
  return Array.from({ length: topic.partitions }, (_, i) => i)
}

/** An object of string values (numbers and booleans are taken as their text, as a form sends them). */
function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidValue(`${what} must be an object of setting names to values.`)
  const result: Record<string, string> = {}
  for (const [name, setting] of Object.entries(value)) {
    if (typeof setting === 'string') result[name] = setting
    else if (typeof setting === 'number' || typeof setting === 'boolean') result[name] = String(setting)
    else throw invalidValue(`${what}.${name} must be a string, number or boolean.`)
  }
  return result
}
