/**
 * The server-side assignors of KIP-848 consumer groups (group.consumer.assignors): the group
 * coordinator computes every member's target partitions itself, so no client leads a
 * rebalance. Both are deterministic (members and topics are taken in sorted order), so a
 * coordinator that reloads a group computes the same targets again.
 *
 * - uniform (Kafka's UniformAssignor, the default): balances the number of partitions per
 *   member and keeps each member's previous partitions where balance allows, so a member
 *   joining or leaving moves as few partitions as possible. With identical subscriptions each
 *   member gets floor(N/M) or one more; with differing ones each partition goes to a
 *   subscriber, kept by its previous owner unless that owner is above its fair share, else to
 *   the least loaded subscriber.
 * - range (Kafka's RangeAssignor): per topic, members subscribed to it in member-id order take
 *   contiguous ranges, the first N mod M one partition more (co-partitioned topics line up).
 */
import { type Assignment, addPartition } from './assignment.js'

export interface AssignmentSpec {
  /** member id → the topic ids it subscribes to (resolved from names and regex). */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>
  /** topic id → partition count, for every subscribed topic that exists. */
  readonly topics: ReadonlyMap<string, number>
  /** member id → its previous target (stickiness). */
  readonly previous: ReadonlyMap<string, Assignment>
}

export type ServerAssignor = (spec: AssignmentSpec) => Map<string, Assignment>

export const serverAssignors: Readonly<Record<'uniform' | 'range', ServerAssignor>> = {
  uniform: uniformAssign,
  range: rangeAssign,
}

export function rangeAssign(spec: AssignmentSpec): Map<string, Assignment> {
  const result = emptyResult(spec)
  for (const topicId of [...spec.topics.keys()].sort()) {
    const count = spec.topics.get(topicId)!
    const subscribers = [...spec.members.keys()].filter((m) => spec.members.get(m)!.has(topicId)).sort()
    if (subscribers.length === 0) continue
    const quota = Math.floor(count / subscribers.length)
    const extra = count % subscribers.length
    let next = 0
    subscribers.forEach((memberId, i) => {
      const take = quota + (i < extra ? 1 : 0)
      for (let k = 0; k < take; k++) addPartition(result.get(memberId)!, topicId, next++)
    })
  }
  return result
}

export function uniformAssign(spec: AssignmentSpec): Map<string, Assignment> {
  const memberIds = [...spec.members.keys()].sort()
  if (memberIds.length === 0) return new Map()
  const first = spec.members.get(memberIds[0]!)!
  const homogeneous = memberIds.every((m) => sameSet(spec.members.get(m)!, first))
  return homogeneous ? uniformHomogeneous(spec, memberIds, first) : uniformHeterogeneous(spec, memberIds)
}

function uniformHomogeneous(spec: AssignmentSpec, memberIds: string[], subscribed: ReadonlySet<string>): Map<string, Assignment> {
  const result = emptyResult(spec)
  const partitions = allPartitions(spec, subscribed)
  const quota = Math.floor(partitions.length / memberIds.length)
  let extra = partitions.length % memberIds.length
  const counts = new Map(memberIds.map((m) => [m, 0]))
  const taken = new Set<string>()
  // Sticky pass: each member keeps up to its quota of what it had (one more for the first
  // `extra` members that had that many).
  for (const memberId of memberIds) {
    const previous = spec.previous.get(memberId)
    if (previous === undefined) continue
    const kept: Array<[string, number]> = []
    for (const [topicId, ps] of [...previous].sort(byKey)) {
      if (!subscribed.has(topicId)) continue
      const count = spec.topics.get(topicId) ?? 0
      for (const p of [...ps].sort((a, b) => a - b)) if (p < count) kept.push([topicId, p])
    }
    let limit = quota
    if (kept.length > quota && extra > 0) {
      limit = quota + 1
      extra--
    }
    for (const [topicId, p] of kept.slice(0, limit)) {
      addPartition(result.get(memberId)!, topicId, p)
      taken.add(`${topicId}:${p}`)
    }
    counts.set(memberId, Math.min(kept.length, limit))
  }
  // Fill pass: the rest go to members below quota, then the remaining extras one each.
  const free = partitions.filter(([topicId, p]) => !taken.has(`${topicId}:${p}`))
  let at = 0
  for (const memberId of memberIds) {
    while (counts.get(memberId)! < quota && at < free.length) {
      const [topicId, p] = free[at++]!
      addPartition(result.get(memberId)!, topicId, p)
      counts.set(memberId, counts.get(memberId)! + 1)
    }
  }
  for (const memberId of memberIds) {
    if (at >= free.length) break
    if (counts.get(memberId)! > quota || extra === 0) continue
    const [topicId, p] = free[at++]!
    addPartition(result.get(memberId)!, topicId, p)
    counts.set(memberId, counts.get(memberId)! + 1)
    extra--
  }
  return result
}

function uniformHeterogeneous(spec: AssignmentSpec, memberIds: string[]): Map<string, Assignment> {
  const result = emptyResult(spec)
  const counts = new Map(memberIds.map((m) => [m, 0]))
  const previousOwner = new Map<string, string>()
  for (const [memberId, previous] of spec.previous) {
    for (const [topicId, ps] of previous) for (const p of ps) previousOwner.set(`${topicId}:${p}`, memberId)
  }
  const subscribers = new Map<string, string[]>()
  for (const topicId of spec.topics.keys()) subscribers.set(topicId, memberIds.filter((m) => spec.members.get(m)!.has(topicId)))
  // Partitions with the fewest possible owners first, so the constrained ones are placed early.
  const partitions = allPartitions(spec, new Set(spec.topics.keys())).sort(
    (a, b) => subscribers.get(a[0])!.length - subscribers.get(b[0])!.length || a[0].localeCompare(b[0]) || a[1] - b[1],
  )
  for (const [topicId, p] of partitions) {
    const candidates = subscribers.get(topicId)!
    if (candidates.length === 0) continue
    const fair = Math.ceil(eligibleLoad(spec, candidates) / candidates.length)
    const owner = previousOwner.get(`${topicId}:${p}`)
    let chosen = owner !== undefined && candidates.includes(owner) && counts.get(owner)! < fair ? owner : undefined
    if (chosen === undefined) chosen = candidates.reduce((best, m) => (counts.get(m)! < counts.get(best)! ? m : best))
    addPartition(result.get(chosen)!, topicId, p)
    counts.set(chosen, counts.get(chosen)! + 1)
  }
  return result
}

/** How many partitions the given members could take between them (their subscribed topics). */
function eligibleLoad(spec: AssignmentSpec, members: readonly string[]): number {
  const topics = new Set<string>()
  for (const m of members) for (const t of spec.members.get(m)!) topics.add(t)
  let n = 0
  for (const t of topics) n += spec.topics.get(t) ?? 0
  return n
}

function allPartitions(spec: AssignmentSpec, subscribed: ReadonlySet<string>): Array<[string, number]> {
  const list: Array<[string, number]> = []
  for (const topicId of [...spec.topics.keys()].sort()) {
    if (!subscribed.has(topicId)) continue
    const count = spec.topics.get(topicId)!
    for (let p = 0; p < count; p++) list.push([topicId, p])
  }
  return list
}

function emptyResult(spec: AssignmentSpec): Map<string, Assignment> {
  return new Map([...spec.members.keys()].map((m) => [m, new Map() as Assignment]))
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false
  for (const x of a) if (!b.has(x)) return false
  return true
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
}
