/**
 * DeleteTopics: delete topics by name (v0-5: topic_names; v6: topics, each by name or by id).
 *
 * As in Kafka: with delete.topic.enable=false every topic is refused, TOPIC_DELETION_DISABLED
 * (INVALID_REQUEST before v3, which lacks that code); a v6 entry with neither a name nor an id,
 * or with both, and a name or id given twice are INVALID_REQUEST for that entry; an unknown name
 * is UNKNOWN_TOPIC_OR_PARTITION and an unknown id UNKNOWN_TOPIC_ID. Internal topics are refused
 * (INVALID_TOPIC_EXCEPTION): the group coordinator keeps its state in them. Deletion is complete
 * when we answer (metadata first, then the logs), so timeout_ms is not used.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { DeleteTopicsRequest, DeleteTopicsResponseInput } from '../../protocol/messages/delete-topics.js'
import { ZERO_UUID } from '../../protocol/uuid.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { type ErrorResult, NO_ERROR, errorResult, refusal } from './topic-errors.js'
import { AclOperation, ResourceType } from '../../security/acl.js'

type DeletionResult = DeleteTopicsResponseInput['responses'][number]

interface Entry {
  readonly name: string | null
  readonly topicId: string
}

function entries(request: DeleteTopicsRequest, version: number): Entry[] {
  return version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }))
}

export function deleteTopicsHandler(broker: BrokerContext) {
  const result = (name: string | null, topicId: string, { errorCode, errorMessage }: ErrorResult): DeletionResult => ({
    name,
    topicId,
    errorCode,
    errorMessage,
  })

  return defineHandler({
    apiKey: ApiKeys.DeleteTopics,
    advertised: { min: 0, max: 6 },
    async handle(request, context) {
      const requested = entries(request, context.apiVersion)
      if (!broker.config.get('delete.topic.enable')) {
        const refused = context.apiVersion < 3
          ? refusal('INVALID_REQUEST', 'Topic deletion is disabled on this broker (delete.topic.enable=false).')
          : refusal('TOPIC_DELETION_DISABLED', 'Topic deletion is disabled on this broker (delete.topic.enable=false).')
        return { throttleTimeMs: 0, responses: requested.map((e) => result(e.name, e.topicId, refused)) }
      }

      const nameCount = new Map<string, number>()
      const idCount = new Map<string, number>()
      for (const { name, topicId } of requested) {
        if (name !== null && topicId === ZERO_UUID) nameCount.set(name, (nameCount.get(name) ?? 0) + 1)
        if (name === null && topicId !== ZERO_UUID) idCount.set(topicId, (idCount.get(topicId) ?? 0) + 1)
      }

      const responses: Array<DeletionResult | Promise<DeletionResult>> = []
      const answered = new Set<string>()
      /** Topics (by name) this request already deletes, so a second reference is refused. */
      const claimed = new Set<string>()
      for (const { name, topicId } of requested) {
        if (name === null && topicId === ZERO_UUID) {
          responses.push(result(null, ZERO_UUID, refusal('INVALID_REQUEST', 'The entry names no topic: give a name or a topic id.')))
          continue
        }
        if (name !== null && topicId !== ZERO_UUID) {
          responses.push(result(name, topicId, refusal('INVALID_REQUEST', 'Give a topic name or a topic id, not both.')))
          continue
        }
        const key = name !== null ? `name:${name}` : `id:${topicId}`
        if (answered.has(key)) continue
        answered.add(key)
        if ((name !== null ? nameCount.get(name)! : idCount.get(topicId)!) > 1) {
          const refused = name !== null
            ? refusal('INVALID_REQUEST', `Topic '${name}' appears more than once in the request.`)
            : refusal('INVALID_REQUEST', `Topic id ${topicId} appears more than once in the request.`)
          responses.push(result(name, topicId, refused))
          continue
        }

        const topic = name !== null ? broker.metadata.topic(name) : broker.metadata.topicById(topicId)
        const nameToCheck = name ?? topic?.name
        if (nameToCheck !== undefined && !broker.authorizer.authorize(context, AclOperation.DELETE, ResourceType.TOPIC, nameToCheck)) {
          responses.push(result(name, topicId, refusal('TOPIC_AUTHORIZATION_FAILED', `Not authorized to DELETE topic '${nameToCheck}'.`)))
          continue
        }
        if (topic === undefined) {
          responses.push(
            name !== null
              ? result(name, ZERO_UUID, refusal('UNKNOWN_TOPIC_OR_PARTITION', `Topic '${name}' does not exist.`))
              : result(null, topicId, refusal('UNKNOWN_TOPIC_ID', `No topic has the id ${topicId}.`)),
          )
          continue
        }
        if (claimed.has(topic.name)) {
          responses.push(result(name, topic.topicId, refusal('INVALID_REQUEST', `Topic '${topic.name}' is named both by name and by id in the request.`)))
          continue
        }
        claimed.add(topic.name)
        // Deletions run together; the metadata store writes them in one go.
        responses.push(
          broker.topics.deleteTopic(topic.name).then(
            () => result(topic.name, topic.topicId, NO_ERROR),
            (error: unknown) => result(topic.name, topic.topicId, errorResult(error, broker.logger, { api: 'DeleteTopics', topic: topic.name })),
          ),
        )
      }
      return { throttleTimeMs: 0, responses: await Promise.all(responses) }
    },
    errorResponse(request, errorCode, context) {
      return {
        throttleTimeMs: 0,
        responses: entries(request, context.apiVersion).map((e) => ({ name: e.name, topicId: e.topicId, errorCode, errorMessage: null })),
      }
    },
  })
}
