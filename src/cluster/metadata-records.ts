/**
 * The JSON records cluster mode keeps in etcd for topics and partitions, and their keys:
 *
 *   <prefix>/topics/<name>                  {"topicId":"<uuid>","assignment":[[1,2,3],[2,3,1]],"configs":{"retention.ms":"1000"}}
 *   <prefix>/partitions/<topicId>/<index>   {"leader":1,"leaderEpoch":0,"partitionEpoch":0,"isr":[1,2,3],"replicas":[1,2,3]}
 *                                           (+ "addingReplicas":[4],"removingReplicas":[1] while reassigned)
 *
 * `assignment[p]` is partition p's replica list in preference order (the first is the preferred
 * leader) and always equals partition p's `replicas` (the controller writes both in one
 * transaction when a reassignment changes them); `configs` holds only the topic's overrides, as Kafka stores them. Partition state is
 * keyed by topic id, not name, so a topic deleted and created again under the same name never
 * sees the old incarnation's state (Kafka's reason for topic ids, KIP-516).
 *
 * Values come from etcd, which anyone with access can write, so parsing checks every field and
 * returns undefined for a malformed record instead of throwing into a watch callback.
 */

import type { PartitionState } from '../metadata/metadata-store.js'

export type { PartitionState }

export interface TopicRecord {
  readonly name: string
  readonly topicId: string
  /** Replica node ids per partition, preferred leader first. */
  readonly assignment: readonly (readonly number[])[]
  /** Topic config overrides (Kafka property names). */
  readonly configs: Readonly<Record<string, string>>
}

/** The first state of a new partition: the preferred replica leads, every replica is in sync. */
export function initialPartitionState(replicas: readonly number[]): PartitionState {
  return { leader: replicas[0] ?? -1, leaderEpoch: 0, partitionEpoch: 0, isr: [...replicas], replicas: [...replicas] }
}

export function encodeTopic(topic: TopicRecord): string {
  return JSON.stringify({ topicId: topic.topicId, assignment: topic.assignment, configs: topic.configs })
}

export function parseTopic(name: string, text: string): TopicRecord | undefined {
  const value = parseObject(text)
  if (value === undefined || typeof value.topicId !== 'string') return undefined
  const assignment = value.assignment
  if (!Array.isArray(assignment) || !assignment.every(isNodeIdList)) return undefined
  const configs = value.configs ?? {}
  if (typeof configs !== 'object' || configs === null || Array.isArray(configs)) return undefined
  if (!Object.values(configs).every((v) => typeof v === 'string')) return undefined
  return { name, topicId: value.topicId, assignment, configs: configs as Record<string, string> }
}

export function encodePartition(state: PartitionState): string {
  return JSON.stringify({
    leader: state.leader,
    leaderEpoch: state.leaderEpoch,
    partitionEpoch: state.partitionEpoch,
    isr: state.isr,
    replicas: state.replicas,
    // Written only during a reassignment, so records of partitions never reassigned stay as they were.
    ...(state.addingReplicas !== undefined && state.addingReplicas.length > 0 && { addingReplicas: state.addingReplicas }),
    ...(state.removingReplicas !== undefined && state.removingReplicas.length > 0 && { removingReplicas: state.removingReplicas }),
  })
}

export function parsePartition(text: string): PartitionState | undefined {
  const value = parseObject(text)
  if (value === undefined) return undefined
  const { leader, leaderEpoch, partitionEpoch, isr, replicas, addingReplicas, removingReplicas } = value
  if (!Number.isInteger(leader) || !Number.isInteger(leaderEpoch) || !Number.isInteger(partitionEpoch)) return undefined
  if (!isNodeIdList(isr) || !isNodeIdList(replicas ?? [])) return undefined
  if (!isNodeIdList(addingReplicas ?? []) || !isNodeIdList(removingReplicas ?? [])) return undefined
  const adding = (addingReplicas ?? []) as number[]
  const removing = (removingReplicas ?? []) as number[]
  return {
    leader: leader as number,
    leaderEpoch: leaderEpoch as number,
    partitionEpoch: partitionEpoch as number,
    isr,
    replicas: (replicas ?? []) as number[],
    ...(adding.length > 0 && { addingReplicas: adding }),
    ...(removing.length > 0 && { removingReplicas: removing }),
  }
}

/** What a key under the cluster prefix names, if it is a topic or partition key. */
export type MetadataKey =
  | { readonly kind: 'topic'; readonly name: string }
  | { readonly kind: 'partition'; readonly topicId: string; readonly partition: number }

export function classifyKey(prefix: string, key: string): MetadataKey | undefined {
  if (!key.startsWith(prefix + '/')) return undefined
  const parts = key.slice(prefix.length + 1).split('/')
  if (parts[0] === 'topics' && parts.length === 2 && parts[1] !== '') return { kind: 'topic', name: parts[1]! }
  if (parts[0] === 'partitions' && parts.length === 3 && /^\d+$/.test(parts[2]!)) {
    return { kind: 'partition', topicId: parts[1]!, partition: Number(parts[2]) }
  }
  return undefined
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function isNodeIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((id) => Number.isInteger(id) && id >= 0)
}
