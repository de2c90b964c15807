/**
 * The share coordinator (KIP-932): share-partition state as ShareSnapshot and ShareUpdate
 * records in __share_group_state, rebuilt by replaying them, and Kafka's fencing by leader
 * epoch and state epoch. The shard tests are pure; the coordinator tests run over a real
 * __share_group_state log in a temporary directory.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../../src/common/config/broker-config.js'
import { ShareRecordType, decodeShareStateRecord } from '../../../../src/group/share/coordinator/share-coordinator-records.js'
import { ShareCoordinatorShard, mergeBatches } from '../../../../src/group/share/coordinator/share-coordinator-shard.js'
import { ShareCoordinator } from '../../../../src/group/share/coordinator/share-coordinator.js'
import { SHARE_GROUP_STATE_TOPIC, parseShareCoordinatorKey, partitionForShareKey } from '../../../../src/group/share/coordinator/share-group-state-topic.js'
import type { CoordinatorWrite } from '../../../../src/group/offsets-partition.js'
import { FileMetadataStore } from '../../../../src/metadata/file-metadata-store.js'
import { KafkaErrorCodes } from '../../../../src/protocol/error-codes.js'
import { ReplicaManager } from '../../../../src/replication/replica-manager.js'
import { LogManager } from '../../../../src/storage/index.js'
import { silentLogger } from '../coordinator-fixture.js'

const AVAILABLE = 0
const ACKNOWLEDGED = 2
const ARCHIVED = 4
const key = { groupId: 'g', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partition: 3 }
const batch = (firstOffset: number, lastOffset: number, deliveryState: number, deliveryCount = 1) => ({ firstOffset, lastOffset, deliveryState, deliveryCount })

/** Applies a decision's records (as the coordinator does once they are written) and returns them. */
function commit(shard: ShareCoordinatorShard, records: readonly CoordinatorWrite[]): CoordinatorWrite[] {
  for (const r of records) shard.replay(r.key, r.value)
  return [...records]
}

describe('ShareCoordinatorShard', () => {
  it('rebuilds, from its snapshot and updates replayed in order, the state the writes left', () => {
    const shard = new ShareCoordinatorShard(500)
    const log: CoordinatorWrite[] = []
    log.push(...commit(shard, shard.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: 10, stateBatches: [] }, 1).records))
    log.push(...commit(shard, shard.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: 10, stateBatches: [batch(10, 19, AVAILABLE)] }, 2).records))
    // 10-12 accepted, 13 rejected, 14 released twice: the SPSO stays at 10 until 10-13 are done.
    log.push(...commit(shard, shard.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: 14, stateBatches: [batch(14, 14, AVAILABLE, 2), batch(15, 19, ACKNOWLEDGED)] }, 3).records))
    expect(log.map((r) => decodeShareStateRecord(r.key, r.value).type)).toEqual([ShareRecordType.SNAPSHOT, ShareRecordType.UPDATE, ShareRecordType.UPDATE])

    const rebuilt = new ShareCoordinatorShard(500)
    for (const r of log) rebuilt.replay(r.key, r.value)
    expect(rebuilt.state(key)).toMatchObject({ stateEpoch: 0, leaderEpoch: 1, startOffset: 14, stateBatches: [batch(14, 14, AVAILABLE, 2), batch(15, 19, ACKNOWLEDGED)] })
    expect(rebuilt.state(key)).toEqual(shard.state(key))
  })

  it('gives the same state from what compaction keeps: the latest snapshot and the latest update', () => {
    const shard = new ShareCoordinatorShard(3)
    const log: CoordinatorWrite[] = []
    for (let i = 0; i < 9; i++) {
      log.push(...commit(shard, shard.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: i, stateBatches: [batch(i, i + 4, i % 2 === 0 ? ARCHIVED : AVAILABLE, i + 1)] }, i).records))
    }
    // Every fourth write is a whole snapshot, so a load replays at most three updates per share-partition.
    expect(log.map((r) => decodeShareStateRecord(r.key, r.value).type)).toEqual([0, 1, 1, 1, 0, 1, 1, 1, 0])
    const latestPerKey = new Map<string, CoordinatorWrite & { offset: number }>()
    log.forEach((r, offset) => latestPerKey.set(r.key.toString('hex'), { ...r, offset }))
    const compacted = [...latestPerKey.values()].sort((a, b) => a.offset - b.offset)
    const rebuilt = new ShareCoordinatorShard(3)
    for (const r of compacted) rebuilt.replay(r.key, r.value)
    expect(rebuilt.state(key)?.startOffset).toBe(8)
    expect(rebuilt.state(key)?.stateBatches).toEqual(shard.state(key)?.stateBatches)
  })

  it('fences a write from a leader older than one that has read the state', () => {
    const shard = new ShareCoordinatorShard(500)
    commit(shard, shard.write(key, { stateEpoch: 0, leaderEpoch: 4, startOffset: 0, stateBatches: [] }, 1).records)
    const newLeader = shard.read(key, 5, 2)
    expect(newLeader.errorCode).toBe(KafkaErrorCodes.NONE)
    expect(newLeader.records).toHaveLength(1)
    commit(shard, newLeader.records)
    const stale = shard.write(key, { stateEpoch: 0, leaderEpoch: 4, startOffset: 3, stateBatches: [] }, 3)
    expect(stale.errorCode).toBe(KafkaErrorCodes.FENCED_LEADER_EPOCH)
    expect(stale.records).toEqual([])
    expect(shard.read(key, 4, 4).errorCode).toBe(KafkaErrorCodes.FENCED_LEADER_EPOCH)
    expect(shard.state(key)?.startOffset).toBe(0)
  })

  it('fences a write of a state epoch an initialize has replaced, and an initialize that is not newer', () => {
    const shard = new ShareCoordinatorShard(500)
    commit(shard, shard.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: 5, stateBatches: [batch(5, 9, AVAILABLE)] }, 1).records)
    expect(shard.initialize(key, 0, 100, 2).errorCode).toBe(KafkaErrorCodes.FENCED_STATE_EPOCH)
    commit(shard, shard.initialize(key, 1, 100, 2).records)
    expect(shard.state(key)).toMatchObject({ stateEpoch: 1, startOffset: 100, stateBatches: [] })
    expect(shard.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: 7, stateBatches: [] }, 3).errorCode).toBe(KafkaErrorCodes.FENCED_STATE_EPOCH)
    expect(shard.write(key, { stateEpoch: 1, leaderEpoch: 1, startOffset: 101, stateBatches: [] }, 3).errorCode).toBe(KafkaErrorCodes.NONE)
  })

  it('refuses state batches a leader never writes (acquired, negative, reversed), changing nothing', () => {
    const shard = new ShareCoordinatorShard(500)
    for (const bad of [batch(0, 4, 1), batch(5, 4, AVAILABLE), batch(-1, 4, AVAILABLE), batch(0, 4, AVAILABLE, -1)]) {
      expect(shard.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: 0, stateBatches: [bad] }, 1)).toMatchObject({ errorCode: KafkaErrorCodes.INVALID_REQUEST, records: [] })
    }
    expect(shard.state(key)).toBeUndefined()
  })

  it('forgets a deleted share-partition through tombstones of both its keys', () => {
    const shard = new ShareCoordinatorShard(500)
    commit(shard, shard.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: 5, stateBatches: [] }, 1).records)
    const deleted = commit(shard, shard.delete(key).records)
    expect(deleted.map((r) => [decodeShareStateRecord(r.key, r.value).type, r.value])).toEqual([[ShareRecordType.SNAPSHOT, null], [ShareRecordType.UPDATE, null]])
    expect(shard.state(key)).toBeUndefined()
    expect(shard.delete(key).records).toEqual([])
  })

  it('lays newer batches over older ones and drops what falls below the start offset', () => {
    expect(mergeBatches([batch(0, 9, AVAILABLE)], [batch(3, 4, ACKNOWLEDGED)], 2)).toEqual([batch(2, 2, AVAILABLE), batch(3, 4, ACKNOWLEDGED), batch(5, 9, AVAILABLE)])
    expect(mergeBatches([batch(0, 4, AVAILABLE)], [batch(5, 9, AVAILABLE)], 0)).toEqual([batch(0, 9, AVAILABLE)])
  })
})

describe('share coordinator keys', () => {
  it('takes a key apart from the right, since a group id may hold colons', () => {
    expect(parseShareCoordinatorKey('a:b:AAAAAAAAAAAAAAAAAAAAAQ:7')).toEqual({ groupId: 'a:b', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partition: 7 })
    expect(parseShareCoordinatorKey('g:short:7')).toBeNull()
    expect(parseShareCoordinatorKey('g:AAAAAAAAAAAAAAAAAAAAAQ:-1')).toBeNull()
    expect(parseShareCoordinatorKey('AAAAAAAAAAAAAAAAAAAAAQ:1')).toBeNull()
  })

  it('places a key by Java String.hashCode as Kafka does', () => {
    // "g:AAAAAAAAAAAAAAAAAAAAAQ:3".hashCode() in Java is -92966820 (checked with java 17): abs % 50 = 20.
    expect(partitionForShareKey('g:AAAAAAAAAAAAAAAAAAAAAQ:3', 50)).toBe(20)
  })
})

describe('ShareCoordinator over __share_group_state', () => {
  let dir = ''
  let logs: LogManager | undefined
  afterEach(async () => {
    await logs?.close()
    logs = undefined
    if (dir !== '') await rm(dir, { recursive: true, force: true })
  })

  async function open(partitions = 2): Promise<{ replicas: ReplicaManager; start: () => Promise<ShareCoordinator> }> {
    const config = BrokerConfig.load({})
    const self = [config.nodeId]
    const metadata = await FileMetadataStore.open(dir, config.nodeId)
    const topic = metadata.topic(SHARE_GROUP_STATE_TOPIC) ?? (await metadata.createTopic(SHARE_GROUP_STATE_TOPIC, Array.from({ length: partitions }, () => self)))
    logs = await LogManager.open(dir)
    const replicas = new ReplicaManager(config.nodeId, metadata, logs, silentLogger)
    await replicas.ensurePartitions(topic, config.topicDefaults())
    const start = (): Promise<ShareCoordinator> =>
      ShareCoordinator.start({ config: { updatesPerSnapshot: 2, writeTimeoutMs: 5000 }, logger: silentLogger, partitionCount: partitions, hostedPartitions: () => replicas.partitions(SHARE_GROUP_STATE_TOPIC), replicas })
    return { replicas, start }
  }

  it('answers a read after a restart with the state written before it (rebuilt from the log)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-share-coordinator-'))
    const first = await open()
    const coordinator = await first.start()
    expect((await coordinator.read(key, 1)).startOffset).toBe(-1)
    for (let end = 10; end <= 50; end += 10) {
      expect((await coordinator.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: end - 10, stateBatches: [batch(end - 10, end - 1, ACKNOWLEDGED), batch(end, end + 4, AVAILABLE, 2)] })).errorCode).toBe(KafkaErrorCodes.NONE)
    }
    coordinator.shutdown()
    await logs!.close()
    logs = undefined

    const second = await open()
    const rebuilt = await second.start()
    const state = await rebuilt.read(key, 2)
    expect(state).toMatchObject({ errorCode: KafkaErrorCodes.NONE, stateEpoch: 0, startOffset: 40 })
    expect(state.stateBatches).toEqual([batch(40, 49, ACKNOWLEDGED), batch(50, 54, AVAILABLE, 2)])
    // The read at leader epoch 2 was written: the leader at epoch 1 is fenced from now on, after a restart too.
    expect((await rebuilt.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: 45, stateBatches: [] })).errorCode).toBe(KafkaErrorCodes.FENCED_LEADER_EPOCH)
    rebuilt.shutdown()
  })

  it('answers NOT_COORDINATOR for share-partitions whose __share_group_state partition it does not lead', async () => {
    dir = await mkdtemp(join(tmpdir(), 'samsa-share-coordinator-'))
    const { replicas } = await open(2)
    // A broker that hosts none of the topic's partitions as leader.
    const coordinator = await ShareCoordinator.start({ config: { updatesPerSnapshot: 2, writeTimeoutMs: 5000 }, logger: silentLogger, partitionCount: 2, hostedPartitions: () => [], replicas })
    expect((await coordinator.read(key, 1)).errorCode).toBe(KafkaErrorCodes.NOT_COORDINATOR)
    expect((await coordinator.write(key, { stateEpoch: 0, leaderEpoch: 1, startOffset: 0, stateBatches: [] })).errorCode).toBe(KafkaErrorCodes.NOT_COORDINATOR)
    coordinator.shutdown()
  })
})
