/**
 * What CreateTopics and CreatePartitions share about the topics a request names: Kafka answers
 * every topic named more than once with INVALID_REQUEST and acts on the others, and refuses the
 * whole request with POLICY_VIOLATION when the topics named once would add more partitions than
 * one request may.
 */
import { MAX_PARTITIONS_PER_REQUEST } from '../topic-manager.js'
import { type ErrorResult, refusal } from './topic-errors.js'

export interface RequestedTopics<T> {
  /** Each topic once, at its first occurrence, in request order. */
  readonly distinct: readonly T[]
  /** True when the request names the topic once, so it is acted on. */
  namedOnce(name: string): boolean
}

export function requestedTopics<T extends { readonly name: string }>(topics: readonly T[]): RequestedTopics<T> {
  const occurrences = new Map<string, number>()
  const distinct: T[] = []
  for (const topic of topics) {
    const seen = occurrences.get(topic.name) ?? 0
    if (seen === 0) distinct.push(topic)
    occurrences.set(topic.name, seen + 1)
  }
  return { distinct, namedOnce: (name) => occurrences.get(name) === 1 }
}

/** The refusal for a topic the request names more than once. */
export function namedMoreThanOnce(name: string): ErrorResult {
  return refusal('INVALID_REQUEST', `Topic '${name}' appears more than once in the request.`)
}

/** The refusal of every topic when the request would add `partitions` partitions, or null when that is allowed. */
export function tooManyPartitions(partitions: number): ErrorResult | null {
  if (partitions <= MAX_PARTITIONS_PER_REQUEST) return null
  return refusal('POLICY_VIOLATION', `Excessively large number of partitions per request: ${partitions} asked for, at most ${MAX_PARTITIONS_PER_REQUEST} allowed.`)
}
