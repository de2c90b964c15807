/**
 * Client-side partition assignors of Kafka's classic group protocol: the group leader runs one
 * over every member's subscription and sends the result through SyncGroup. Both mirror the Java
 * client's: `range` (RangeAssignor: per topic, members sorted by id, the first
 * `partitions % members` get one extra) and `roundrobin` (RoundRobinAssignor: every partition of
 * every topic in name order, dealt to the members in turn, skipping members not subscribed to
 * the partition's topic). Pure functions.
 */

export type AssignorName = 'range' | 'roundrobin'

export interface MemberSubscription {
  readonly memberId: string
  readonly topics: readonly string[]
}

/** memberId → topic → partitions (ascending). */
export type GroupAssignment = Map<string, Map<string, number[]>>

export function assignPartitions(
  assignor: AssignorName,
  members: readonly MemberSubscription[],
  partitionCounts: ReadonlyMap<string, number>,
): GroupAssignment {
  const assignment: GroupAssignment = new Map()
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
  for (const member of sorted) assignment.set(member.memberId, new Map())
  const give = (memberId: string, topic: string, partition: number): void => {
    const topics = assignment.get(memberId)!
    let list = topics.get(topic)
    if (list === undefined) topics.set(topic, (list = []))
    list.push(partition)
  }
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].filter((t) => partitionCounts.has(t)).sort()

  if (assignor === 'range') {
    for (const topic of topics) {
      const subscribers = sorted.filter((m) => m.topics.includes(topic))
      const count = partitionCounts.get(topic)!
      const per = Math.floor(count / subscribers.length)
      const extra = count % subscribers.length
      let next = 0
      subscribers.forEach((member, i) => {
        const take = per + (i < extra ? 1 : 0)
        for (let k = 0; k < take; k++) give(member.memberId, topic, next++)
      })
    }
    return assignment
  }

  let turn = 0
  for (const topic of topics) {
    const count = partitionCounts.get(topic)!
    for (let partition = 0; partition < count; partition++) {
      // Deal to the next member in turn that subscribes to this topic.
      for (let tried = 0; tried < sorted.length; tried++) {
        const member = sorted[turn % sorted.length]!
        turn++
        if (member.topics.includes(topic)) {
          give(member.memberId, topic, partition)
          break
        }
      }
    }
  }
  return assignment
}
