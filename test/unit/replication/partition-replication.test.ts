/**
 * The leader's side of replication, on one real partition log: the high watermark follows the
 * smallest log end offset over the ISR, acks=all produces wait in the delayed-produce purgatory
 * until the ISR has the records, and fetches wake on what they may read (followers on appends,
 * consumers on commits). Followers here are the offsets their fetches would carry.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import type { TopicConfig } from '../../../src/common/config/topic-config.js'
import type { PartitionState } from '../../../src/metadata/metadata-store.js'
import { KafkaErrorCodes } from '../../../src/protocol/index.js'
import { ISR_PROPOSAL_TIMEOUT_MS, Partition, type PartitionClusterHooks } from '../../../src/replication/partition.js'
import { Purgatories } from '../../../src/replication/purgatory/purgatories.js'
import { PartitionLog } from '../../../src/storage/index.js'
import { ProducerStateManager } from '../../../src/storage/producer-state.js'
import { makeBatch } from '../../helpers/record-batch.js'
import { tempDir } from '../../helpers/temp-dir.js'

const LEADER = 1
const open: PartitionLog[] = []

afterEach(async () => {
  for (const log of open.splice(0)) await log.close()
})

/** A partition led by broker 1 with followers 2 and 3, all in sync, and its purgatories. */
async function ledPartition(
  settings: Partial<TopicConfig> = {},
  state: Partial<PartitionState> = {},
  hooks: PartitionClusterHooks = {},
): Promise<{ partition: Partition; purgatories: Purgatories }> {
  const log = await PartitionLog.open(tempDir('samsa-replication-'))
  open.push(log)
  const config = { ...BrokerConfig.load({}).topicDefaults(), ...settings }
  const full: PartitionState = { replicas: [1, 2, 3], leader: LEADER, leaderEpoch: 4, partitionEpoch: 7, isr: [1, 2, 3], ...state }
  const partition = new Partition('orders', 0, 'AAAAAAAAAAAAAAAAAAAAAA', log, config, new ProducerStateManager(), LEADER, full, hooks)
  const purgatories = new Purgatories()
  partition.setListener(purgatories)
  return { partition, purgatories }
}

const append = (partition: Partition, records = 3, acks = -1) => partition.appendRecordsAsLeader(makeBatch({ records }), acks, Date.now())

describe('high watermark', () => {
  it('stays at the smallest log end offset over the ISR and never moves back', async () => {
    const { partition } = await ledPartition()
    expect(append(partition, 5).requiredOffset).toBe(5)
    expect(partition.highWatermark).toBe(0)
    partition.updateFollowerFetchState(2, 5, Date.now())
    expect(partition.highWatermark).toBe(0)
    partition.updateFollowerFetchState(3, 2, Date.now())
    expect(partition.highWatermark).toBe(2)
    partition.updateFollowerFetchState(3, 5, Date.now())
    expect(partition.highWatermark).toBe(5)
    // A follower that truncated (or restarted) reports less; what was committed stays committed.
    partition.updateFollowerFetchState(2, 1, Date.now())
    expect(partition.highWatermark).toBe(5)
  })

  it('ignores followers outside the ISR and refuses brokers that are not replicas', async () => {
    const { partition } = await ledPartition({}, { isr: [1, 2] })
    append(partition, 4)
    expect(partition.updateFollowerFetchState(2, 4, Date.now())).toBe(true)
    expect(partition.highWatermark).toBe(4)
    expect(partition.updateFollowerFetchState(9, 4, Date.now())).toBe(false)
  })

  it('follows the log end offset at once when the leader is the whole ISR (a single broker)', async () => {
    const { partition } = await ledPartition({}, { replicas: [1], isr: [1] })
    append(partition, 3, 1)
    expect(partition.highWatermark).toBe(3)
  })
})

describe('lastCaughtUpTime', () => {
  it('is the fetch time when the follower asked for everything, else the previous fetch time if it had caught up to what the leader had then', async () => {
    const { partition } = await ledPartition()
    // Later than the partition's creation, when every follower counted as caught up.
    const t = Date.now() + 60_000
    append(partition, 10)
    partition.updateFollowerFetchState(2, 10, t + 1_000)
    expect(partition.followerLastCaughtUpTimeMs(2)).toBe(t + 1_000)
    append(partition, 5)
    // Behind the leader's end (15) now, but at what the leader had at its previous fetch (10).
    partition.updateFollowerFetchState(2, 12, t + 2_000)
    expect(partition.followerLastCaughtUpTimeMs(2)).toBe(t + 1_000)
    partition.updateFollowerFetchState(2, 15, t + 3_000)
    expect(partition.followerLastCaughtUpTimeMs(2)).toBe(t + 3_000)
    append(partition, 5)
    partition.updateFollowerFetchState(2, 16, t + 4_000)
    // It had everything the leader had at its previous fetch (15): caught up as of then.
    expect(partition.followerLastCaughtUpTimeMs(2)).toBe(t + 3_000)
    partition.updateFollowerFetchState(2, 17, t + 5_000)
    // Short of what the leader had at the previous fetch (20): still caught up only as of t+3 s,
    // and replica.lag.time.max.ms keeps counting from there.
    expect(partition.followerLastCaughtUpTimeMs(2)).toBe(t + 3_000)
  })
})

describe('acks=all', () => {
  it('refuses the append with NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas, writing nothing', async () => {
    const { partition } = await ledPartition({ 'min.insync.replicas': 2 }, { isr: [1] })
    const outcome = append(partition)
    expect([outcome.errorCode, outcome.errorMessage]).toEqual([KafkaErrorCodes.NOT_ENOUGH_REPLICAS, expect.stringMatching(/are 1, below min\.insync\.replicas=2/)])
    expect(partition.logEndOffset).toBe(0)
    // acks=1 does not care about the ISR's size.
    expect(append(partition, 1, 1).errorCode).toBe(KafkaErrorCodes.NONE)
  })

  it('waits in the purgatory until every ISR member has the records', async () => {
    const { partition, purgatories } = await ledPartition()
    const { requiredOffset } = append(partition, 3)
    let settled = false
    const waiting = purgatories.produces.wait([{ partition, requiredOffset }], 30_000)!.then(() => { settled = true })
    expect(purgatories.produces.size).toBe(1)
    partition.updateFollowerFetchState(2, requiredOffset, Date.now())
    await Promise.resolve()
    expect(settled).toBe(false)
    partition.updateFollowerFetchState(3, requiredOffset, Date.now())
    await waiting
    expect(partition.replicationOutcome(requiredOffset)).toBe(KafkaErrorCodes.NONE)
    expect(purgatories.produces.size).toBe(0)
  })

  it('answers at once, with nothing parked, when the records are already committed', async () => {
    const { partition, purgatories } = await ledPartition({}, { replicas: [1], isr: [1] })
    const { requiredOffset } = append(partition, 2)
    expect(purgatories.produces.wait([{ partition, requiredOffset }], 30_000)).toBeNull()
  })

  it('settles with NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrinks below min.insync.replicas first', async () => {
    const { partition, purgatories } = await ledPartition({ 'min.insync.replicas': 2 })
    const { requiredOffset } = append(partition, 3)
    const waiting = purgatories.produces.wait([{ partition, requiredOffset }], 30_000)!
    // The controller drops both followers; the leader alone now makes the high watermark.
    partition.makeLeader({ ...partition.state, isr: [LEADER], partitionEpoch: 8 })
    await waiting
    expect(partition.replicationOutcome(requiredOffset)).toBe(KafkaErrorCodes.NOT_ENOUGH_REPLICAS_AFTER_APPEND)
  })

  it('stays pending until the timeout when the followers never fetch', async () => {
    const { partition, purgatories } = await ledPartition()
    const { requiredOffset } = append(partition, 1)
    await purgatories.produces.wait([{ partition, requiredOffset }], 50)
    expect(partition.replicationOutcome(requiredOffset)).toBe('pending')
  })

  it('answers NOT_LEADER_OR_FOLLOWER for appends to a partition this broker does not lead', async () => {
    const { partition } = await ledPartition({}, { leader: 2 })
    expect(append(partition, 1, 1).errorCode).toBe(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER)
    expect(partition.replicationOutcome(0)).toBe(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER)
  })
})

describe('reads and delayed fetches', () => {
  it('lets a follower read to the log end and a consumer only to the high watermark', async () => {
    const { partition } = await ledPartition()
    append(partition, 4)
    expect(partition.read(0, 1 << 20, 'logEnd').records?.byteLength).toBeGreaterThan(0)
    expect(partition.read(0, 1 << 20, 'highWatermark').records).toBeNull()
    partition.updateFollowerFetchState(2, 4, Date.now())
    partition.updateFollowerFetchState(3, 4, Date.now())
    expect(partition.read(0, 1 << 20, 'highWatermark').records?.byteLength).toBeGreaterThan(0)
  })

  it('wakes a follower fetch on append and a consumer fetch only once the records are committed', async () => {
    const { partition, purgatories } = await ledPartition()
    const woken: string[] = []
    const consumer = purgatories.fetches.wait([partition], false, 1, 30_000).then(() => woken.push('consumer'))
    const follower = purgatories.fetches.wait([partition], true, 1, 30_000).then(() => woken.push('follower'))
    const { requiredOffset } = append(partition, 2)
    await follower
    expect(woken).toEqual(['follower'])
    partition.updateFollowerFetchState(2, requiredOffset, Date.now())
    partition.updateFollowerFetchState(3, requiredOffset, Date.now())
    await consumer
    expect(woken).toEqual(['follower', 'consumer'])
    expect(purgatories.fetches.size).toBe(0)
  })
})

describe('ISR proposals (AlterPartition)', () => {
  it('proposes a caught-up follower back into the ISR, and counts it for the high watermark from then on', async () => {
    const proposals: number[][] = []
    const { partition } = await ledPartition({}, { isr: [1, 2] }, { proposeIsr: (_, p) => proposals.push([...p.isr]) })
    append(partition, 4)
    partition.updateFollowerFetchState(2, 4, Date.now())
    expect(partition.highWatermark).toBe(4)
    append(partition, 2)
    partition.updateFollowerFetchState(3, 4, Date.now())
    expect(proposals).toEqual([[1, 2, 3]])
    // Broker 3 is counted though not yet committed: the high watermark waits for it.
    partition.updateFollowerFetchState(2, 6, Date.now())
    expect(partition.highWatermark).toBe(4)
  })

  it('never proposes a broker that may not join (not registered, or shutting down)', async () => {
    const proposals: number[][] = []
    const { partition } = await ledPartition({}, { isr: [1, 2] }, { proposeIsr: (_, p) => proposals.push([...p.isr]), isReplicaEligible: (id) => id !== 3 })
    append(partition, 2)
    partition.updateFollowerFetchState(3, 2, Date.now())
    expect(proposals).toEqual([])
  })

  it('gives up a proposal the controller never committed, so acks=all stops waiting for the member it would have added', async () => {
    const { partition, purgatories } = await ledPartition({}, { isr: [1, 2] }, { proposeIsr: () => undefined })
    partition.updateFollowerFetchState(3, 0, Date.now())
    const { requiredOffset } = append(partition, 3)
    partition.updateFollowerFetchState(2, requiredOffset, Date.now())
    const waiting = purgatories.produces.wait([{ partition, requiredOffset }], 60_000)!
    expect(partition.highWatermark).toBe(0)
    partition.expireIsrProposal(Date.now())
    expect(partition.highWatermark).toBe(0)
    partition.expireIsrProposal(Date.now() + ISR_PROPOSAL_TIMEOUT_MS + 1)
    await waiting
    expect([partition.highWatermark, partition.replicationOutcome(requiredOffset)]).toEqual([3, KafkaErrorCodes.NONE])
  })
})

describe('a follower that becomes leader', () => {
  it('still recognises an idempotent producer\'s retry of a batch it copied, and answers it with the original offset', async () => {
    const { partition: leader } = await ledPartition({}, { isr: [1, 2] })
    const { partition: follower } = await ledPartition({}, { leader: 2, isr: [1, 2], replicas: [1, 2, 3] })
    const batch = (seq: number) => makeBatch({ records: 2, producerId: 77, producerEpoch: 0, baseSequence: seq })
    leader.appendRecordsAsLeader(batch(0), -1, Date.now())
    const second = leader.appendRecordsAsLeader(batch(2), -1, Date.now())
    // The follower copies the leader's log as it is, offsets and producer fields included.
    follower.appendRecordsAsFollower(Buffer.concat(leader.read(0, 1 << 20, 'logEnd').records!.toBuffers()), leader.highWatermark)
    // The leader dies before answering the second batch; the follower takes over at a new epoch.
    follower.makeLeader({ ...follower.state, leader: 1, leaderEpoch: 5, partitionEpoch: 8, isr: [1] })
    const retry = follower.appendRecordsAsLeader(batch(2), 1, Date.now())
    expect([retry.errorCode, retry.baseOffset, follower.logEndOffset]).toEqual([KafkaErrorCodes.NONE, second.baseOffset, 4])
    const next = follower.appendRecordsAsLeader(batch(4), 1, Date.now())
    expect([next.errorCode, next.baseOffset]).toEqual([KafkaErrorCodes.NONE, 4])
  })
})
