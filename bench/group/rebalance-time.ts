/**
 * How long the coordinator takes to rebalance a group of 10 members, measured with raw protocol
 * clients (one connection each) that react at once, so the figure is the broker's and the wire's,
 * not a client's heartbeat interval:
 * - form: 10 members join an empty group (MEMBER_ID_REQUIRED round trip included) until every
 *   member has its assignment from SyncGroup;
 * - leave: in a stable group one member leaves; the others learn it from a heartbeat, rejoin and
 *   sync;
 * - join: a member joins the stable group of 9 left by that; the others rejoin and all 10 sync.
 * Real clients add up to one heartbeat.interval.ms (3 s by default) before they notice a
 * rebalance, and the first rebalance of an empty group waits group.initial.rebalance.delay.ms.
 */
import { parseHostPort } from '../../src/client/cluster.js'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { encodeAssignment, encodeSubscription } from '../../src/protocol/messages/consumer-protocol.js'

const TOPIC = 'bench-rebalance'
const protocols = [{ name: 'range', metadata: encodeSubscription({ topics: [TOPIC] }) }]

interface Member {
  readonly connection: BrokerConnection
  memberId: string
  generationId: number
  /** Whether the member's last SyncGroup gave it an assignment. */
  synced: boolean
}

const REBALANCE_IN_PROGRESS = 27

/**
 * One JoinGroup and SyncGroup round. False when the SyncGroup met a newer rebalance (another
 * member joined after this one's join completed): the member must join again, as a consumer does.
 */
async function joinAndSync(groupId: string, member: Member, partitions: number): Promise<boolean> {
  member.synced = false
  const join = (memberId: string) =>
    member.connection.request(ApiKeys.JoinGroup, { groupId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols, reason: null }, 7)
  let response = await join(member.memberId)
  if (response.errorCode === 79) response = await join(response.memberId)
  if (response.errorCode !== 0) throw new Error(`JoinGroup failed with ${response.errorCode}`)
  member.memberId = response.memberId
  member.generationId = response.generationId
  const assignments = response.members.map((m, i) => ({
    memberId: m.memberId,
    assignment: encodeAssignment({ assignedPartitions: [{ topic: TOPIC, partitions: [...Array(partitions).keys()].filter((p) => p % response.members.length === i) }] }),
  }))
  const sync = await member.connection.request(ApiKeys.SyncGroup, {
    groupId, generationId: response.generationId, memberId: member.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments,
  }, 5)
  if (sync.errorCode === REBALANCE_IN_PROGRESS) return false
  if (sync.errorCode !== 0) throw new Error(`SyncGroup failed with ${sync.errorCode}`)
  member.synced = true
  return true
}

/**
 * Every member joins an empty group. With group.initial.rebalance.delay.ms 0 the first members
 * may complete a generation of their own before the rest arrive; like consumers, they then learn
 * of the next rebalance from a heartbeat and join again, until all are in one generation.
 */
async function formGroup(groupId: string, group: Member[], partitions: number): Promise<void> {
  const formed = () => group.every((m) => m.synced && m.generationId === group[0]!.generationId)
  await Promise.all(
    group.map(async (member) => {
      while (!formed()) {
        if (!(await joinAndSync(groupId, member, partitions))) continue
        while (!formed()) {
          const beat = await member.connection.request(ApiKeys.Heartbeat, { groupId, generationId: member.generationId, memberId: member.memberId, groupInstanceId: null }, 4)
          if (beat.errorCode === REBALANCE_IN_PROGRESS) break
          if (beat.errorCode !== 0) throw new Error(`heartbeat failed with ${beat.errorCode}`)
        }
      }
    }),
  )
}

/** A member that learns of the rebalance from its heartbeat, then rejoins. */
async function noticeAndRejoin(groupId: string, member: Member, partitions: number): Promise<void> {
  for (;;) {
    const beat = await member.connection.request(ApiKeys.Heartbeat, { groupId, generationId: member.generationId, memberId: member.memberId, groupInstanceId: null }, 4)
    if (beat.errorCode === REBALANCE_IN_PROGRESS) break
    if (beat.errorCode !== 0) throw new Error(`heartbeat failed with ${beat.errorCode}`)
  }
  if (!(await joinAndSync(groupId, member, partitions))) throw new Error('SyncGroup met another rebalance in a group that should be stable')
}

export interface RebalanceResult {
  readonly formMs: number[]
  readonly leaveMs: number[]
  readonly joinMs: number[]
}

export async function rebalanceTime(bootstrap: string, rounds: number, members = 10, partitions = 30): Promise<RebalanceResult> {
  const result: RebalanceResult = { formMs: [], leaveMs: [], joinMs: [] }
  for (let round = 0; round < rounds; round++) {
    const groupId = `rebalance-${round}`
    const group: Member[] = await Promise.all(Array.from({ length: members }, async () => ({ connection: await BrokerConnection.open(parseHostPort(bootstrap)), memberId: '', generationId: -1, synced: false })))
    let started = performance.now()
    await formGroup(groupId, group, partitions)
    result.formMs.push(performance.now() - started)

    const [leaver, ...stay] = group as [Member, ...Member[]]
    started = performance.now()
    await leaver.connection.request(ApiKeys.LeaveGroup, { groupId, members: [{ memberId: leaver.memberId, groupInstanceId: null, reason: 'bench' }] }, 5)
    await Promise.all(stay.map((m) => noticeAndRejoin(groupId, m, partitions)))
    result.leaveMs.push(performance.now() - started)

    const newcomer: Member = { connection: leaver.connection, memberId: '', generationId: -1, synced: false }
    started = performance.now()
    // The newcomer's JoinGroup waits for the others, who notice the rebalance from a heartbeat.
    await Promise.all([joinAndSync(groupId, newcomer, partitions).then((synced) => { if (!synced) throw new Error('the newcomer met another rebalance') }), ...stay.map((m) => noticeAndRejoin(groupId, m, partitions))])
    result.joinMs.push(performance.now() - started)
    for (const m of [...stay, newcomer]) m.connection.close()
  }
  return result
}
