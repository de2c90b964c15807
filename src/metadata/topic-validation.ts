/**
 * The checks a new topic meets in every metadata store, in Kafka's order and with Kafka's error
 * names: a legal name that neither exists nor collides with another ('.' and '_' are the same in
 * metric names), valid overrides, at least one partition.
 */
import { parseTopicOverrides } from '../common/config/topic-config.js'
import { TopicError } from './metadata-store.js'
import { collisionKey, topicNameProblem } from './topic-name.js'

/**
 * Throws the TopicError a new topic of this name meets: illegal, existing (`exists`) or colliding
 * (`collidingWith` gives the existing name with the same collision key).
 */
export function checkNewTopicName(name: string, exists: (name: string) => boolean, collidingWith: (key: string) => string | undefined): void {
  const problem = topicNameProblem(name)
  if (problem !== undefined) throw new TopicError('INVALID_TOPIC_EXCEPTION', problem)
  if (exists(name)) throw new TopicError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`)
  const colliding = collidingWith(collisionKey(name))
  if (colliding !== undefined) {
    throw new TopicError('INVALID_TOPIC_EXCEPTION', `Topic '${name}' collides with existing topic '${colliding}' ('.' and '_' are interchangeable in metric names).`)
  }
}

export function checkPartitionCount(name: string, partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new TopicError('INVALID_PARTITIONS', `Topic '${name}' needs at least 1 partition, not ${partitions}.`)
  }
}

/** Throws INVALID_CONFIG naming the first unknown setting or invalid value. */
export function validateOverrides(overrides: Readonly<Record<string, string>>): void {
  try {
    parseTopicOverrides(Object.entries(overrides))
  } catch (error) {
    throw new TopicError('INVALID_CONFIG', (error as Error).message)
  }
}
