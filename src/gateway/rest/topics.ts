/**
 * GET /topics (the names of the topics clients may use, internal ones left out as Kafka's
 * listTopics does) and GET /topics/{topic}.
 */
import { topicNotFound } from '../records/proxy-error.js'
import type { HttpServer } from '../uws.js'
import { requireV2Accept } from './content-types.js'
import { restRoute } from './exchange.js'
import type { RestContext } from './rest-context.js'
import { TopicListBody } from './topic-list-body.js'
import { restTopic } from './topic-metadata.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

export function topicRoutes(server: HttpServer, context: RestContext): void {
  const { broker, logger } = context
  const topicList = new TopicListBody(broker.metadata)
  server.route('get', '/topics', restRoute(logger, (exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    // With an authorizer, only the topics the principal may describe (the shared cached body otherwise).
    if (broker.authorizer.enabled) {
      const names: string[] = []
      for (const topic of broker.metadata.topics()) {
        if (!topic.internal && context.authorization.allowed(exchange, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name, false)) names.push(topic.name)
      }
      return { body: names.sort() }
    }
    return { body: topicList.current() }
  }), { reads: { headers: ['accept'] } })

  server.route('get', '/topics/:topic', restRoute(logger, (exchange) => {
    requireV2Accept(exchange.request.headers.get('accept'))
    const name = exchange.request.params[0]!
    context.authorization.require(exchange, AclOperation.DESCRIBE, ResourceType.TOPIC, name)
    const topic = broker.metadata.topic(name)
    if (topic === undefined) throw topicNotFound(name)
    return { body: restTopic(broker, topic) }
  }))
}
