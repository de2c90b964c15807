/**
 * CreatePartitions: grow topics to a new partition count, optionally naming the brokers of each
 * new partition (here they must all be this broker, once each).
 *
 * Per topic, as in Kafka: unknown → UNKNOWN_TOPIC_OR_PARTITION; a count that is not an increase
 * → INVALID_PARTITIONS; assignments that do not match the number of new partitions, or name
 * other brokers → INVALID_REPLICA_ASSIGNMENT; a topic named twice → INVALID_REQUEST. A request
 * that would add more than MAX_PARTITIONS_PER_REQUEST partitions in all is refused for every
 * topic (POLICY_VIOLATION) before anything is allocated. Internal topics keep their partition
 * count (INVALID_TOPIC_EXCEPTION). validate_only checks and changes nothing; timeout_ms is not
 * used, since the partitions exist when we answer.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { CreatePartitionsResponseInput } from '../../protocol/messages/create-partitions.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { namedMoreThanOnce, requestedTopics, tooManyPartitions } from './requested-topics.js'
import { type ErrorResult, NO_ERROR, errorResult, refusal } from './topic-errors.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

type TopicResult = CreatePartitionsResponseInput['results'][number]

export function createPartitionsHandler(broker: BrokerContext) {
  const result = (name: string, { errorCode, errorMessage }: ErrorResult): TopicResult => ({ name, errorCode, errorMessage })

  return defineHandler({
    apiKey: ApiKeys.CreatePartitions,
    advertised: { min: 0, max: 3 },
    async handle(request, context) {
      const { distinct, namedOnce } = requestedTopics(request.topics)

      let added = 0
      for (const { name, count } of distinct) {
        const existing = broker.metadata.topic(name)
        if (namedOnce(name) && existing !== undefined && count > existing.partitions) added += count - existing.partitions
      }
      const refused = tooManyPartitions(added)
      if (refused !== null) return { throttleTimeMs: 0, results: distinct.map((t) => result(t.name, refused)) }

      const results = await Promise.all(
        distinct.map(async ({ name, count, assignments }): Promise<TopicResult> => {
          if (!namedOnce(name)) return result(name, namedMoreThanOnce(name))
          if (!broker.authorizer.authorize(context, AclOperation.ALTER, ResourceType.TOPIC, name)) return result(name, refusal('TOPIC_AUTHORIZATION_FAILED', `Not authorized to ALTER topic '${name}'.`))
          try {
            await broker.topics.createPartitions(name, count, { assignments, validateOnly: request.validateOnly })
            return result(name, NO_ERROR)
          } catch (error) {
            return result(name, errorResult(error, broker.logger, { api: 'CreatePartitions', topic: name }))
          }
        }),
      )
      return { throttleTimeMs: 0, results }
    },
    errorResponse(request, errorCode) {
      return { throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode, errorMessage: null })) }
    },
  })
}
