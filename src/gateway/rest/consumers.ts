/**
 * Consumer instances (REST Proxy v2):
 *   POST   /consumers/{group}                                      create → {instance_id, base_uri}
 *   DELETE /consumers/{group}/instances/{name}                     leave the group, forget it
 *   POST|GET|DELETE …/instances/{name}/subscription                {"topics": [...]}
 *   POST|GET …/instances/{name}/assignments                        {"partitions": [{topic, partition}]}
 *   GET    …/instances/{name}/records?timeout=&max_bytes=          records, Accept: json or binary v2
 *   POST   …/instances/{name}/offsets                              commit (given offsets, or all positions)
 *   GET    …/instances/{name}/offsets                              committed offsets of {"partitions": [...]}
 *   POST   …/instances/{name}/positions[/beginning|/end]           seek
 * `base_uri` is built from the request's Host header, so it points where the client reached the
 * proxy. See consumer-instance.ts for the semantics and consumer-instances.ts for expiry.
 */
import type { HttpExchange, HttpServer } from '../uws.js'
import { acceptedRecordFormat, recordContentType, requireV2Accept } from './content-types.js'
import type { ConsumerInstance } from './consumer-instance.js'
import { instanceSettings, partitionOffsets, subscriptionTopics, topicPartitions } from './consumer-requests.js'
import { type RestHandler, controlBody, restRoute } from './exchange.js'
import { integerQuery } from './partitions.js'
import type { RestContext } from './rest-context.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

const INSTANCE = '/consumers/:group/instances/:name'
const NO_CONTENT = { status: 204, body: undefined } as const

export function consumerRoutes(server: HttpServer, context: RestContext): void {
  const { broker, consumers, logger } = context
  const limit = { maxBodyBytes: context.maxBodyBytes }
  /** A route on one instance: the instance's requests run one at a time. */
  const onInstance = (handler: (instance: ConsumerInstance, exchange: HttpExchange) => ReturnType<RestHandler>) =>
    restRoute(logger, (exchange) => {
      const [group, name] = exchange.request.params as [string, string]
      const instance = consumers.get(group, name)
      return instance.exclusive(() => handler(instance, exchange))
    })

  server.route('post', '/consumers/:group', restRoute(logger, async (exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    const group = exchange.request.params[0]!
    context.authorization.require(exchange, AclOperation.READ, ResourceType.GROUP, group)
    const settings = instanceSettings(await controlBody(exchange))
    const name = settings.name ?? `rest-consumer-${crypto.randomUUID()}`
    consumers.create({
      group,
      name,
      format: settings.format,
      autoOffsetReset: settings.autoOffsetReset,
      autoCommit: settings.autoCommit,
      fetchMinBytes: settings.fetchMinBytes,
      requestTimeoutMs: settings.requestTimeoutMs ?? broker.config.get('http.consumer.request.timeout.ms'),
      clientHost: exchange.request.remoteAddress,
    })
    const host = exchange.request.headers.get('host') ?? `${broker.advertisedListeners()[0]?.host ?? '127.0.0.1'}`
    return { body: { instance_id: name, base_uri: `http://${host}/consumers/${encodeURIComponent(group)}/instances/${encodeURIComponent(name)}` } }
  }), limit)

  server.route('del', INSTANCE, restRoute(logger, async (exchange) => {
    const [group, name] = exchange.request.params as [string, string]
    await consumers.delete(group, name)
    return NO_CONTENT
  }))

  server.route('post', `${INSTANCE}/subscription`, onInstance(async (instance, exchange) => {
    await instance.subscribe(subscriptionTopics(await controlBody(exchange)))
    return NO_CONTENT
  }), limit)
  server.route('get', `${INSTANCE}/subscription`, onInstance((instance, exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    return { body: { topics: instance.subscription } }
  }))
  server.route('del', `${INSTANCE}/subscription`, onInstance(async (instance) => {
    await instance.unsubscribe()
    return NO_CONTENT
  }))

  server.route('post', `${INSTANCE}/assignments`, onInstance(async (instance, exchange) => {
    instance.assign(topicPartitions(await controlBody(exchange)))
    return NO_CONTENT
  }), limit)
  server.route('get', `${INSTANCE}/assignments`, onInstance((instance, exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    return { body: { partitions: instance.assignment } }
  }))

  server.route('get', `${INSTANCE}/records`, onInstance(async (instance, exchange) => {
    const format = acceptedRecordFormat(exchange.request.headers.get('accept'), instance.config.format)
    const query = exchange.request.query
    // Bounded like the partition read: a parked read holds a purgatory slot and the instance's lock.
    const timeoutMs = Math.min(integerQuery(query.get('timeout'), 'timeout', instance.config.requestTimeoutMs), Math.max(30_000, instance.config.requestTimeoutMs))
    const maxBytesLimit = broker.config.get('http.consumer.request.max.bytes')
    const maxBytes = Math.min(integerQuery(query.get('max_bytes'), 'max_bytes', maxBytesLimit), maxBytesLimit)
    const aborted = new AbortController()
    exchange.onAbort(() => aborted.abort())
    const records = await instance.records(format, timeoutMs, maxBytes, aborted.signal)
    return { body: records, contentType: recordContentType(format) }
  }))

  server.route('post', `${INSTANCE}/offsets`, onInstance(async (instance, exchange) => {
    await instance.commit(partitionOffsets(await controlBody(exchange), false))
    return { status: 200, body: undefined }
  }), limit)
  server.route('get', `${INSTANCE}/offsets`, onInstance(async (instance, exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    const partitions = topicPartitions(await controlBody(exchange))
    return { body: { offsets: await instance.committed(partitions) } }
  }), limit)

  server.route('post', `${INSTANCE}/positions`, onInstance(async (instance, exchange) => {
    instance.seek(partitionOffsets(await controlBody(exchange), true)!)
    return NO_CONTENT
  }), limit)
  server.route('post', `${INSTANCE}/positions/beginning`, onInstance(async (instance, exchange) => {
    await instance.seekToBeginning(topicPartitions(await controlBody(exchange)))
    return NO_CONTENT
  }), limit)
  server.route('post', `${INSTANCE}/positions/end`, onInstance(async (instance, exchange) => {
    await instance.seekToEnd(topicPartitions(await controlBody(exchange)))
    return NO_CONTENT
  }), limit)
}
