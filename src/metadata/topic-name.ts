/**
 * Kafka's rules for topic names: 1-249 characters from [a-zA-Z0-9._-], not "." or "..".
 * Names that differ only by '.' versus '_' collide in Kafka's metric names, so a new topic may
 * not collide with an existing one that way.
 */
export const MAX_TOPIC_NAME_LENGTH = 249

const legal = /^[a-zA-Z0-9._-]+$/

/** Returns why the name is not a legal topic name, or undefined when it is. */
export function topicNameProblem(name: string | null | undefined): string | undefined {
  if (name === null || name === undefined || name.length === 0) return 'Topic name is empty.'
  if (name === '.' || name === '..') return `Topic name cannot be '${name}'.`
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is ${name.length} characters long; the limit is ${MAX_TOPIC_NAME_LENGTH}.`
  }
  if (!legal.test(name)) {
    return `Topic name '${name}' has characters other than ASCII letters, digits, '.', '_' and '-'.`
  }
  return undefined
}

/** The form under which '.' and '_' names collide. */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_')
}

export function isInternalTopic(name: string): boolean {
  return name === '__consumer_offsets' || name === '__transaction_state' || name === '__share_group_state'
}
