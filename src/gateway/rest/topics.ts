/**
 * GET /topics (the names of the topics clients may use, internal ones left out as Kafka's
 * listTopics does) and GET /topics/{topic}.
 */
import { topicNotFound } from '../records/proxy-error.js'
import type { HttpServer } from '../uws.js'
import { requireV2Accept } from './content-types.js'
import { restRoute } from './exchange.js'
import type { RestContext } from './rest-context.js'
import { restTopic } from './topic-metadata.js'

export function topicRoutes(server: HttpServer, context: RestContext): void {
  const { broker, logger } = context
  server.route('get', '/topics', restRoute(logger, (exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    const names: string[] = []
    for (const topic of broker.metadata.topics()) if (!topic.internal) names.push(topic.name)
    return { body: names.sort() }
  }))

  server.route('get', '/topics/:topic', restRoute(logger, (exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    const name = exchange.request.params[0]!
    const topic = broker.metadata.topic(name)
    if (topic === undefined) throw topicNotFound(name)
    return { body: restTopic(broker, topic) }
  }))
}
