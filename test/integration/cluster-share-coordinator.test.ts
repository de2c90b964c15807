/**
 * Share-partition state in a three-broker cluster (real etcd, real broker processes): the state
 * lives with the share coordinator in __share_group_state, not on the partition leader, so
 * - after kill -9 of the share-partition leader, the new leader delivers every record not yet
 *   acknowledged and never one that was accepted or rejected;
 * - after kill -9 of the share coordinator of that share-partition, the new coordinator rebuilds
 *   the state from the replicated log and the share group carries on where it was;
 * - Kafka 4.1's kafka-share-groups shows the start offset through any broker.
 * Each record is checked: its value matches its offset, none is lost, none is delivered again
 * once accepted or rejected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { decodeRecordBatches } from '../../src/protocol/records.js'
import { crc32c } from '../../src/storage/native.js'
import { kcat } from '../helpers/clients.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { type RawConnection, connectRaw } from '../helpers/group-admin.js'
import { kafkaShareGroups, missingJavaTools } from '../helpers/java-share-consumers.js'
import { createReplicatedTopic, partitionState, waitForFullIsr, waitForNewLeader } from '../helpers/partition-state.js'

const TOPIC = 'share-ha'
const STATE_TOPIC = '__share_group_state'
const ACCEPT = 1
const RELEASE = 2
const REJECT = 3

let cluster: TestCluster
const connections: RawConnection[] = []

const connectTo = async (nodeId: number): Promise<RawConnection> => {
  const connection = await connectRaw(cluster.broker(nodeId).bootstrap, 'share-ha-test')
  connections.push(connection)
  return connection
}

/** What the share consumer of this test has seen and done, per offset. */
const acquisitions = new Map<number, number[]>()
const settled = new Map<number, 'accepted' | 'rejected'>()

/** A share session of one member with one broker: each fetch or acknowledgement moves its epoch. */
class ShareSession {
  epoch = 0
  constructor(readonly connection: RawConnection, readonly groupId: string, readonly memberId: string, readonly topicId: string) {}

  /**
   * One ShareFetch (acknowledging `acks` first); records every acquired offset after checking
   * its value. Returns the acquired offsets and the partition's error codes.
   */
  async fetch(acks: Array<{ first: number; last: number; type: number }> = [], maxWaitMs = 200): Promise<{ acquired: number[]; errorCode: number; acknowledgeErrorCode: number }> {
    const response = await this.connection.request(ApiKeys.ShareFetch, 1, {
      groupId: this.groupId,
      memberId: this.memberId,
      shareSessionEpoch: this.epoch,
      maxWaitMs,
      minBytes: 1,
      maxBytes: 1 << 20,
      maxRecords: 100,
      batchSize: 100,
      topics: [{ topicId: this.topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks.map((a) => ({ firstOffset: BigInt(a.first), lastOffset: BigInt(a.last), acknowledgeTypes: [a.type] })) }] }],
      forgottenTopicsData: [],
    })
    this.epoch++
    if (response.errorCode !== E.NONE) return { acquired: [], errorCode: response.errorCode, acknowledgeErrorCode: E.NONE }
    const partition = response.responses[0]?.partitions[0]
    if (partition === undefined) return { acquired: [], errorCode: E.NONE, acknowledgeErrorCode: E.NONE }
    const values = new Map<number, string>()
    if (partition.records !== null && (partition.records as Buffer).byteLength > 0) {
      for (const batch of decodeRecordBatches(partition.records as Buffer, { crc32c })) {
        for (const record of batch.records) values.set(Number(batch.baseOffset) + record.offsetDelta, record.value!.toString())
      }
    }
    const acquired: number[] = []
    for (const range of partition.acquiredRecords) {
      for (let offset = Number(range.firstOffset); offset <= Number(range.lastOffset); offset++) {
        expect(settled.get(offset), `offset ${offset} delivered again after it was ${settled.get(offset)}`).toBeUndefined()
        expect(values.get(offset)).toBe(`r${offset}`)
        acquisitions.set(offset, [...(acquisitions.get(offset) ?? []), range.deliveryCount])
        acquired.push(offset)
      }
    }
    return { acquired, errorCode: partition.errorCode, acknowledgeErrorCode: partition.acknowledgeErrorCode }
  }

  /** Fetches until `expected` offsets have all been acquired, then once more to see nothing else comes. */
  async acquireExactly(expected: readonly number[]): Promise<number[]> {
    const got: number[] = []
    await cluster.waitUntil(async () => {
      got.push(...(await this.fetch()).acquired)
      return expected.every((o) => got.includes(o))
    }, `offsets ${expected[0]}-${expected[expected.length - 1]} to be delivered (got ${got.join(',')})`, 60_000)
    got.push(...(await this.fetch([], 500)).acquired)
    return got.sort((a, b) => a - b)
  }

  /** ShareAcknowledge (which acquires nothing); answered once the share coordinator has the change. */
  async acknowledge(acks: Array<{ first: number; last: number; type: number }>): Promise<void> {
    const response = await this.connection.request(ApiKeys.ShareAcknowledge, 1, {
      groupId: this.groupId,
      memberId: this.memberId,
      shareSessionEpoch: this.epoch,
      topics: [{ topicId: this.topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: acks.map((a) => ({ firstOffset: BigInt(a.first), lastOffset: BigInt(a.last), acknowledgeTypes: [a.type] })) }] }],
    })
    this.epoch++
    expect(response.errorCode).toBe(E.NONE)
    expect(response.responses[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    for (const a of acks) {
      for (let o = a.first; o <= a.last; o++) {
        if (a.type === ACCEPT) settled.set(o, 'accepted')
        else if (a.type === REJECT) settled.set(o, 'rejected')
      }
    }
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

async function produce(from: number, to: number): Promise<void> {
  await kcat(['-b', cluster.bootstrap, '-P', '-t', TOPIC, '-p', '0', '-X', 'acks=all'], range(from, to).map((o) => `r${o}\n`).join(''))
}

/** FindCoordinator on any live broker; resolves with the coordinator's node id once it has one. */
async function findCoordinator(via: number, keyType: number, key: string): Promise<number> {
  const connection = await connectTo(via)
  let nodeId = -1
  await cluster.waitUntil(async () => {
    const answer = await connection.request(ApiKeys.FindCoordinator, 4, { keyType, coordinatorKeys: [key] })
    const found = answer.coordinators[0]!
    nodeId = found.errorCode === E.NONE ? found.nodeId : -1
    return nodeId >= 0
  }, `a coordinator for ${key} (key type ${keyType})`, 60_000)
  return nodeId
}

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 3,
    settings: {
      'broker.session.timeout.ms': 3000,
      'broker.heartbeat.interval.ms': 500,
      'replica.lag.time.max.ms': 5000,
      'offsets.topic.num.partitions': 3,
      'share.coordinator.state.topic.num.partitions': 3,
      'group.share.record.lock.duration.ms': 5000,
      // The members heartbeat once; the group must outlive the test's failovers.
      'group.share.session.timeout.ms': 600_000,
    },
  })
  await createReplicatedTopic(cluster, TOPIC)
}, 180_000)

afterAll(async () => {
  for (const c of connections) c.close()
  await cluster?.close()
})

describe.skipIf(missingJavaTools.length > 0)('share-partition state in a cluster', { timeout: 300_000 }, () => {
  it('survives kill -9 of the share-partition leader and of its share coordinator, record by record', async () => {
    const { leader: firstLeader } = await waitForFullIsr(cluster, TOPIC)
    const probe = await connectTo(firstLeader)
    const metadata = await probe.request(ApiKeys.Metadata, 12, { topics: [{ name: TOPIC }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
    const topicId = metadata.topics[0]!.topicId

    // Preferably a group whose coordinator, share-partition leader and share coordinator are
    // three brokers, so each failover below moves one thing only (else the share coordinator at
    // least elsewhere; failing that, any). FindCoordinator SHARE creates __share_group_state.
    const bystander = [1, 2, 3].find((n) => n !== firstLeader)!
    const candidates: Array<{ groupId: string; group: number; state: number }> = []
    for (let i = 0; i < 30; i++) {
      const candidate = `share-ha-${i}`
      candidates.push({ groupId: candidate, state: await findCoordinator(bystander, 2, `${candidate}:${topicId}:0`), group: await findCoordinator(bystander, 0, candidate) })
    }
    const chosen = candidates.find((c) => c.state !== firstLeader && c.group !== firstLeader && c.state !== c.group) ?? candidates.find((c) => c.state !== firstLeader) ?? candidates[0]!
    const groupId = chosen.groupId
    for (let p = 0; p < 3; p++) await waitForFullIsr(cluster, STATE_TOPIC, 3, p)

    const joined = await (await connectTo(chosen.group)).request(ApiKeys.ShareGroupHeartbeat, 1, { groupId, memberId: 'member-a', memberEpoch: 0, rackId: null, subscribedTopicNames: [TOPIC] })
    expect(joined.errorCode).toBe(E.NONE)

    // The share-partition starts at the log end (share.auto.offset.reset latest) and that start is
    // persisted at once: the leaders that follow start there too.
    let session = new ShareSession(await connectTo(firstLeader), groupId, 'member-a', topicId)
    expect((await session.fetch()).errorCode).toBe(E.NONE)
    await produce(0, 29)
    expect(await session.acquireExactly(range(0, 29))).toEqual(range(0, 29))
    await session.acknowledge([{ first: 0, last: 9, type: ACCEPT }, { first: 10, last: 14, type: REJECT }])
    // 15-29 stay acquired by member-a when its broker dies.

    await cluster.kill(firstLeader)
    const { leader: secondLeader } = await waitForNewLeader(cluster, TOPIC, firstLeader)
    session = new ShareSession(await connectTo(secondLeader), groupId, 'member-a', topicId)
    // Every record not accepted or rejected comes again (their second delivery), and only those.
    expect(await session.acquireExactly(range(15, 29))).toEqual(range(15, 29))
    for (const offset of range(15, 29)) expect(acquisitions.get(offset)).toEqual([1, 2])
    await session.acknowledge([{ first: 15, last: 19, type: ACCEPT }, { first: 20, last: 24, type: REJECT }, { first: 25, last: 29, type: RELEASE }])
    await produce(30, 39)

    // Back to three brokers, then the share coordinator of this share-partition dies.
    await cluster.restart(firstLeader)
    const stateCoordinator = await findCoordinator(bystander, 2, `${groupId}:${topicId}:0`)
    for (let p = 0; p < 3; p++) await waitForFullIsr(cluster, STATE_TOPIC, 3, p)
    await cluster.kill(stateCoordinator)
    const survivor = [1, 2, 3].find((n) => n !== stateCoordinator)!
    const newStateCoordinator = await findCoordinator(survivor, 2, `${groupId}:${topicId}:0`)
    await cluster.waitUntil(async () => (await findCoordinator(survivor, 2, `${groupId}:${topicId}:0`)) !== stateCoordinator, 'the share coordinator to move', 60_000)

    // The new coordinator rebuilt the state from the replicated log: the start offset is 25.
    const rebuilt = await connectTo(await findCoordinator(survivor, 2, `${groupId}:${topicId}:0`))
    let summary = { errorCode: -1, startOffset: -1n, stateEpoch: -1 }
    await cluster.waitUntil(async () => {
      const answer = await rebuilt.request(ApiKeys.ReadShareGroupStateSummary, 0, { groupId, topics: [{ topicId, partitions: [{ partition: 0, leaderEpoch: -1 }] }] })
      summary = answer.results[0]!.partitions[0]!
      return summary.errorCode === E.NONE
    }, `the rebuilt share coordinator (broker ${newStateCoordinator}) to answer`, 60_000)
    expect(summary.startOffset).toBe(25n)

    // The group carries on: the released records and the new ones, nothing settled before.
    let currentLeader = -1
    await cluster.waitUntil(async () => {
      currentLeader = (await partitionState(cluster, TOPIC, 0, new Set([stateCoordinator]))).leader
      return currentLeader >= 0 && currentLeader !== stateCoordinator
    }, `a live leader for ${TOPIC}-0`)
    if (currentLeader !== secondLeader) session = new ShareSession(await connectTo(currentLeader), groupId, 'member-a', topicId)
    expect(await session.acquireExactly(range(25, 39))).toEqual(range(25, 39))
    await session.acknowledge([{ first: 25, last: 39, type: ACCEPT }])

    // Every record was settled once, and none came back after it was.
    expect([...settled.keys()].sort((a, b) => a - b)).toEqual(range(0, 39))
    expect(range(0, 39).filter((o) => settled.get(o) === 'rejected')).toEqual([...range(10, 14), ...range(20, 24)])

    // kafka-share-groups shows the start offset past every record, asking through any broker.
    // (The group's membership is in memory on main: if its coordinator died, member-a joins again.)
    const groupCoordinator = await connectTo(await findCoordinator(survivor, 0, groupId))
    let heartbeat = await groupCoordinator.request(ApiKeys.ShareGroupHeartbeat, 1, { groupId, memberId: 'member-a', memberEpoch: joined.memberEpoch, rackId: null, subscribedTopicNames: [TOPIC] })
    if (heartbeat.errorCode !== E.NONE) heartbeat = await groupCoordinator.request(ApiKeys.ShareGroupHeartbeat, 1, { groupId, memberId: 'member-a', memberEpoch: 0, rackId: null, subscribedTopicNames: [TOPIC] })
    expect(heartbeat.errorCode).toBe(E.NONE)
    for (const via of [1, 2, 3].filter((n) => n !== stateCoordinator)) {
      const described = await kafkaShareGroups('--bootstrap-server', cluster.broker(via).bootstrap, '--describe', '--group', groupId)
      expect(described.code, described.stderr).toBe(0)
      expect(described.stdout).toMatch(new RegExp(`${groupId}\\s+${TOPIC}\\s+0\\s+40\\b`))
    }
  })
})
