/**
 * How long a KIP-848 consumer group takes to reach a new stable assignment, measured with raw
 * ConsumerGroupHeartbeat clients (one connection each) that heartbeat back to back and take in
 * each answer at once (revoking what they are told to give up in the very next heartbeat), so
 * the figure is the coordinator's and the wire's, not a client's heartbeat interval. The same
 * three events as the classic bench (rebalance-time.ts):
 * - form: N members join an empty group until every partition is owned by exactly one member
 *   and every member is at the group's assignment epoch;
 * - leave: one member leaves (epoch -1); the others reconcile;
 * - join: a member joins the stable group left by that; everyone reconciles.
 * Real clients add up to one group.consumer.heartbeat.interval.ms (5 s by default) before they
 * hear of a new target; KIP-848 members keep consuming their kept partitions meanwhile.
 */
import { randomUUID } from 'node:crypto'
import { parseHostPort } from '../../src/client/cluster.js'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'

interface Member {
  readonly connection: BrokerConnection
  readonly memberId: string
  epoch: number
  /** topic id → partitions, as the coordinator last gave them. */
  owned: Array<{ topicId: string; partitions: number[] }>
}

async function heartbeat(groupId: string, topic: string, member: Member): Promise<void> {
  const joining = member.epoch === 0
  const response = await member.connection.request(ApiKeys.ConsumerGroupHeartbeat, {
    groupId,
    memberId: member.memberId,
    memberEpoch: member.epoch,
    rebalanceTimeoutMs: joining ? 30_000 : -1,
    subscribedTopicNames: joining ? [topic] : null,
    topicPartitions: joining ? [] : member.owned,
  }, 1)
  if (response.errorCode !== 0) throw new Error(`ConsumerGroupHeartbeat failed with ${response.errorCode}: ${response.errorMessage}`)
  member.epoch = response.memberEpoch
  if (response.assignment !== null) member.owned = response.assignment.topicPartitions.map((t) => ({ topicId: t.topicId, partitions: [...t.partitions] }))
}

function reconciled(group: readonly Member[], partitions: number): boolean {
  const epoch = group[0]!.epoch
  const seen = new Set<string>()
  let total = 0
  for (const m of group) {
    if (m.epoch !== epoch) return false
    for (const t of m.owned) for (const p of t.partitions) {
      seen.add(`${t.topicId}:${p}`)
      total++
    }
  }
  return total === partitions && seen.size === partitions
}

/** Every member heartbeats back to back until the group is reconciled (checked after each round). */
async function untilReconciled(groupId: string, topic: string, group: readonly Member[], partitions: number): Promise<void> {
  for (let round = 0; round < 10_000; round++) {
    await Promise.all(group.map((m) => heartbeat(groupId, topic, m)))
    if (reconciled(group, partitions)) return
  }
  throw new Error('the group did not reconcile within 10,000 heartbeat rounds')
}

export interface Kip848RebalanceResult {
  readonly formMs: number[]
  readonly leaveMs: number[]
  readonly joinMs: number[]
}

export async function kip848RebalanceTime(bootstrap: string, topic: string, partitions: number, rounds: number, members: number): Promise<Kip848RebalanceResult> {
  const result: Kip848RebalanceResult = { formMs: [], leaveMs: [], joinMs: [] }
  const open = async (): Promise<Member> => ({ connection: await BrokerConnection.open(parseHostPort(bootstrap)), memberId: randomUUID(), epoch: 0, owned: [] })
  for (let round = 0; round < rounds; round++) {
    const groupId = `kip848-rebalance-${members}-${round}`
    const group = await Promise.all(Array.from({ length: members }, open))
    let started = performance.now()
    await untilReconciled(groupId, topic, group, partitions)
    result.formMs.push(performance.now() - started)

    const [leaver, ...stay] = group as [Member, ...Member[]]
    started = performance.now()
    await leaver.connection.request(ApiKeys.ConsumerGroupHeartbeat, { groupId, memberId: leaver.memberId, memberEpoch: -1 }, 1)
    await untilReconciled(groupId, topic, stay, partitions)
    result.leaveMs.push(performance.now() - started)

    const newcomer: Member = { connection: leaver.connection, memberId: randomUUID(), epoch: 0, owned: [] }
    started = performance.now()
    await untilReconciled(groupId, topic, [...stay, newcomer], partitions)
    result.joinMs.push(performance.now() - started)
    for (const m of [...stay, newcomer]) {
      await m.connection.request(ApiKeys.ConsumerGroupHeartbeat, { groupId, memberId: m.memberId, memberEpoch: -1 }, 1)
      m.connection.close()
    }
  }
  return result
}
