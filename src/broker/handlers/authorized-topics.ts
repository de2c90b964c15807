/**
 * The split Produce and Fetch make before calling their service: the topics of a request the
 * principal may act on go to appendRecords / fetchRecords, the others are answered
 * TOPIC_AUTHORIZATION_FAILED, as Kafka's KafkaApis does it. Returns null when every topic is
 * allowed (always, without an authorizer), so the common path copies nothing; each check is one
 * lookup in the connection's decision cache.
 */
import type { RequestContext } from '../handler.js'
import type { BrokerContext } from '../broker-context.js'

export interface TopicSplit<T> {
  readonly allowed: T[]
  readonly denied: T[]
}

export function splitByAuthorization<T>(
  broker: BrokerContext,
  context: RequestContext,
  operation: number,
  resourceType: number,
  topics: readonly T[],
  /** The topic's name, or undefined when it has none here (an unknown topic id: the service answers that). */
  nameOf: (topic: T) => string | undefined,
): TopicSplit<T> | null {
  const authorizer = broker.authorizer
  if (!authorizer.enabled) return null
  let denied: T[] | null = null
  for (const topic of topics) {
    const name = nameOf(topic)
    if (name !== undefined && !authorizer.authorize(context, operation, resourceType, name)) (denied ??= []).push(topic)
  }
  if (denied === null) return null
  const refused = new Set(denied)
  return { allowed: topics.filter((topic) => !refused.has(topic)), denied }
}
