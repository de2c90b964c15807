/**
 * A set of partitions by topic id, as KIP-848 assignments are expressed (topic ids, not names,
 * so a topic deleted and created again under the same name is a different topic), and the
 * set operations reconciliation needs. Topic ids are the UUID strings of the metadata store.
 */
export type Assignment = Map<string, Set<number>>

export function emptyAssignment(): Assignment {
  return new Map()
}

export function copyAssignment(assignment: Assignment): Assignment {
  const copy: Assignment = new Map()
  for (const [topicId, partitions] of assignment) copy.set(topicId, new Set(partitions))
  return copy
}

export function assignmentSize(assignment: Assignment): number {
  let n = 0
  for (const partitions of assignment.values()) n += partitions.size
  return n
}

export function addPartition(assignment: Assignment, topicId: string, partition: number): void {
  let partitions = assignment.get(topicId)
  if (partitions === undefined) assignment.set(topicId, (partitions = new Set()))
  partitions.add(partition)
}

export function hasPartition(assignment: Assignment, topicId: string, partition: number): boolean {
  return assignment.get(topicId)?.has(partition) ?? false
}

export function assignmentsEqual(a: Assignment, b: Assignment): boolean {
  if (assignmentSize(a) !== assignmentSize(b)) return false
  for (const [topicId, partitions] of a) for (const p of partitions) if (!hasPartition(b, topicId, p)) return false
  return true
}

/** Whether every partition of `owned` is in `target` (Kafka's isSubset). */
export function isSubset(owned: ReadonlyArray<{ topicId: string; partitions: readonly number[] }>, target: Assignment): boolean {
  for (const { topicId, partitions } of owned) for (const p of partitions) if (!hasPartition(target, topicId, p)) return false
  return true
}

/** The wire shape: [{topicId, partitions}], partitions ascending, topics in map order. */
export function toTopicPartitions(assignment: Assignment): Array<{ topicId: string; partitions: number[] }> {
  const list: Array<{ topicId: string; partitions: number[] }> = []
  for (const [topicId, partitions] of assignment) if (partitions.size > 0) list.push({ topicId, partitions: [...partitions].sort((a, b) => a - b) })
  return list
}

export function fromTopicPartitions(list: ReadonlyArray<{ topicId: string; partitions: readonly number[] }>): Assignment {
  const assignment: Assignment = new Map()
  for (const { topicId, partitions } of list) for (const p of partitions) addPartition(assignment, topicId, p)
  return assignment
}
