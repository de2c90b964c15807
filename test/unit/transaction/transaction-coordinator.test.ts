/**
 * The transaction coordinator over real `__transaction_state` partitions in a temporary
 * directory, with a marker transport the test controls: what it answers while markers are in
 * flight (CONCURRENT_TRANSACTIONS), how it fences an open transaction, how it retries markers a
 * leader did not take, how it completes a PrepareCommit found after a crash, what it answers
 * while loading and after losing leadership, and how it aborts a timed-out transaction.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { createLogger } from '../../../src/common/logger.js'
import { FileMetadataStore } from '../../../src/metadata/file-metadata-store.js'
import { KafkaErrorCodes as E } from '../../../src/protocol/error-codes.js'
import { ReplicaManager } from '../../../src/replication/replica-manager.js'
import { LogManager } from '../../../src/storage/index.js'
import { TransactionCoordinator, type TransactionCoordinatorConfig } from '../../../src/transaction/transaction-coordinator.js'
import { TRANSACTION_STATE_TOPIC, partitionForTransactionalId } from '../../../src/transaction/transaction-topic.js'
import type { MarkerResult, TxnMarker, TxnMarkerTransport } from '../../../src/transaction/txn-marker-channel.js'
import { tempDir } from '../../helpers/temp-dir.js'

const PARTITIONS = 3
const SELF = 1
const config: TransactionCoordinatorConfig = {
  maxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 7 * 24 * 3600_000,
  // The test runs the background passes itself.
  abortTimedOutIntervalMs: 3_600_000,
  removeExpiredIntervalMs: 3_600_000,
  writeTimeoutMs: 5000,
}

/** A transport whose answers the test decides: each write waits for `answer` unless `auto` is set. */
class ScriptedMarkers implements TxnMarkerTransport {
  readonly written: TxnMarker[] = []
  /** Error codes the next writes answer, in order; NONE once empty. */
  readonly errors: number[] = []
  hold = false
  readonly #held: Array<() => void> = []

  leaderOf(): number {
    return SELF
  }

  async write(_brokerId: number, marker: TxnMarker): Promise<readonly MarkerResult[]> {
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve))
    this.written.push(marker)
    const errorCode = this.errors.shift() ?? E.NONE
    return marker.partitions.map((p) => ({ ...p, errorCode }))
  }

  release(): void {
    this.hold = false
    for (const resolve of this.#held.splice(0)) resolve()
  }
}

interface Opened {
  readonly coordinator: TransactionCoordinator
  readonly replicas: ReplicaManager
  readonly markers: ScriptedMarkers
  close(): Promise<void>
}

const opened: Opened[] = []
let clock = 1_000_000

afterEach(async () => {
  for (const o of opened.splice(0)) await o.close()
})

async function open(dir: string, markers = new ScriptedMarkers()): Promise<Opened> {
  const broker = BrokerConfig.load({})
  const metadata = await FileMetadataStore.open(dir, SELF)
  const topic = metadata.topic(TRANSACTION_STATE_TOPIC) ?? (await metadata.createTopic(TRANSACTION_STATE_TOPIC, [[SELF], [SELF], [SELF]]))
  const logs = await LogManager.open(dir)
  const logger = createLogger('test', 'silent')
  const replicas = new ReplicaManager(SELF, metadata, logs, logger)
  await replicas.ensurePartitions(topic, broker.topicDefaults())
  let nextId = 100
  const coordinator = await TransactionCoordinator.start({
    config,
    logger,
    partitionCount: PARTITIONS,
    hostedPartitions: () => replicas.partitions(TRANSACTION_STATE_TOPIC),
    replicas,
    nextProducerId: async () => nextId++,
    offsetsPartitionFor: () => ({ topic: '__consumer_offsets', partition: 0 }),
    markers,
    now: () => clock,
  })
  let closed = false
  const o: Opened = {
    coordinator,
    replicas,
    markers,
    async close() {
      if (closed) return
      closed = true
      markers.release()
      coordinator.shutdown()
      await logs.close()
    },
  }
  opened.push(o)
  return o
}

const data = [{ topic: 'data', partition: 0 }, { topic: 'data', partition: 1 }]

/** An id with an open transaction on `data`. */
async function ongoing(c: TransactionCoordinator, id: string) {
  const init = await c.initProducerId(id, 60_000, null)
  expect(init.errorCode).toBe(E.NONE)
  expect(await c.addPartitions(id, init.producerId, init.producerEpoch, data)).toBe(E.NONE)
  return init
}

describe('TransactionCoordinator', () => {
  it('answers CONCURRENT_TRANSACTIONS while a commit\'s markers are in flight, then serves the next epoch', async () => {
    const { coordinator, markers } = await open(tempDir())
    const { producerId, producerEpoch } = await ongoing(coordinator, 'committer')
    markers.hold = true
    expect(await coordinator.endTransaction('committer', producerId, producerEpoch, true)).toBe(E.NONE)
    expect(coordinator.describe('committer').state).toBe('PrepareCommit')
    expect((await coordinator.initProducerId('committer', 60_000, null)).errorCode).toBe(E.CONCURRENT_TRANSACTIONS)
    expect(await coordinator.addPartitions('committer', producerId, producerEpoch, data)).toBe(E.CONCURRENT_TRANSACTIONS)
    expect(await coordinator.endTransaction('committer', producerId, producerEpoch, true), 'a retried commit').toBe(E.CONCURRENT_TRANSACTIONS)
    expect(await coordinator.endTransaction('committer', producerId, producerEpoch, false), 'an abort while it completes').toBe(E.CONCURRENT_TRANSACTIONS)

    markers.release()
    await coordinator.awaitIdle()
    expect(markers.written).toEqual([{ producerId, producerEpoch, coordinatorEpoch: 0, committed: true, partitions: data }])
    expect(coordinator.describe('committer')).toMatchObject({ state: 'CompleteCommit', partitions: [] })
    expect(await coordinator.endTransaction('committer', producerId, producerEpoch, true), 'a commit retried after it completed').toBe(E.NONE)
    expect(await coordinator.endTransaction('committer', producerId, producerEpoch, false), 'an abort of a committed transaction').toBe(E.INVALID_TXN_STATE)
    expect(await coordinator.initProducerId('committer', 60_000, null)).toEqual({ errorCode: E.NONE, producerId, producerEpoch: producerEpoch + 1 })
  })

  it('fences an open transaction when a new instance starts: abort markers carry the bumped epoch', async () => {
    const { coordinator, markers } = await open(tempDir())
    const first = await ongoing(coordinator, 'zombie')
    const second = await coordinator.initProducerId('zombie', 60_000, null)
    expect(second.errorCode, 'the new instance retries while the old transaction aborts').toBe(E.CONCURRENT_TRANSACTIONS)
    await coordinator.awaitIdle()
    expect(markers.written).toEqual([{ producerId: first.producerId, producerEpoch: first.producerEpoch + 1, coordinatorEpoch: 0, committed: false, partitions: data }])
    expect(coordinator.describe('zombie').state).toBe('CompleteAbort')
    expect(await coordinator.endTransaction('zombie', first.producerId, first.producerEpoch, true), 'the zombie cannot commit').toBe(E.PRODUCER_FENCED)
    const retried = await coordinator.initProducerId('zombie', 60_000, null)
    expect(retried).toEqual({ errorCode: E.NONE, producerId: first.producerId, producerEpoch: first.producerEpoch + 2 })
  })

  it('retries a marker the leader did not take until it does', async () => {
    const { coordinator, markers } = await open(tempDir())
    const { producerId, producerEpoch } = await ongoing(coordinator, 'retrier')
    markers.errors.push(E.NOT_LEADER_OR_FOLLOWER, E.NOT_ENOUGH_REPLICAS)
    expect(await coordinator.endTransaction('retrier', producerId, producerEpoch, true)).toBe(E.NONE)
    await coordinator.awaitIdle()
    expect(markers.written).toHaveLength(3)
    expect(coordinator.describe('retrier').state).toBe('CompleteCommit')
  })

  it('stops sending when a partition says a newer coordinator exists', async () => {
    const { coordinator, markers } = await open(tempDir())
    const { producerId, producerEpoch } = await ongoing(coordinator, 'stale')
    markers.errors.push(E.TRANSACTION_COORDINATOR_FENCED)
    expect(await coordinator.endTransaction('stale', producerId, producerEpoch, true)).toBe(E.NONE)
    await coordinator.awaitIdle()
    expect(markers.written).toHaveLength(1)
    expect(coordinator.describe('stale').state, 'left for the newer coordinator to complete').toBe('PrepareCommit')
  })

  it('completes a transaction found in PrepareCommit after a crash', async () => {
    const dir = tempDir()
    const before = await open(dir)
    const { producerId, producerEpoch } = await ongoing(before.coordinator, 'crashed')
    before.markers.hold = true
    expect(await before.coordinator.endTransaction('crashed', producerId, producerEpoch, true)).toBe(E.NONE)
    await before.close()

    const after = await open(dir)
    await after.coordinator.awaitIdle()
    expect(after.markers.written).toEqual([{ producerId, producerEpoch, coordinatorEpoch: 0, committed: true, partitions: data }])
    expect(after.coordinator.describe('crashed')).toMatchObject({ errorCode: E.NONE, state: 'CompleteCommit', producerId, producerEpoch })
  })

  it('answers COORDINATOR_LOAD_IN_PROGRESS while a partition loads and NOT_COORDINATOR once another broker leads it', async () => {
    const { coordinator, replicas } = await open(tempDir())
    const { producerId, producerEpoch } = await ongoing(coordinator, 'moving')
    const partition = replicas.partition(TRANSACTION_STATE_TOPIC, partitionForTransactionalId('moving', PARTITIONS))!
    const elect = (leader: number): void => {
      const state = partition.state
      replicas.applyPartitionState(partition, { ...state, leader, leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1 }, () => undefined)
    }
    elect(2)
    expect(await coordinator.addPartitions('moving', producerId, producerEpoch, data)).toBe(E.NOT_COORDINATOR)
    expect(coordinator.describe('moving').errorCode).toBe(E.NOT_COORDINATOR)
    elect(SELF)
    expect((await coordinator.initProducerId('moving', 60_000, null)).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS)
    expect(coordinator.list([], [], -1).errorCode).toBe(E.COORDINATOR_LOAD_IN_PROGRESS)
    await coordinator.awaitIdle()
    expect(coordinator.describe('moving')).toMatchObject({ errorCode: E.NONE, state: 'Ongoing', producerEpoch })
    expect(await coordinator.endTransaction('moving', producerId, producerEpoch, false)).toBe(E.NONE)
  })

  it('aborts a transaction open past its timeout with a bumped epoch, and leaves younger ones alone', async () => {
    const { coordinator, markers } = await open(tempDir())
    const old = await ongoing(coordinator, 'old')
    clock += 30_000
    await ongoing(coordinator, 'young')
    clock += 31_000
    expect(coordinator.abortTimedOutTransactions()).toBe(1)
    await coordinator.awaitIdle()
    expect(markers.written).toEqual([{ producerId: old.producerId, producerEpoch: old.producerEpoch + 1, coordinatorEpoch: 0, committed: false, partitions: data }])
    expect(coordinator.describe('old')).toMatchObject({ state: 'CompleteAbort', producerEpoch: old.producerEpoch + 1 })
    expect(coordinator.describe('young').state).toBe('Ongoing')
    expect(await coordinator.addPartitions('old', old.producerId, old.producerEpoch, data), 'the abandoned producer is fenced').toBe(E.PRODUCER_FENCED)
  })

  it('gives a producer whose epoch is exhausted a new producer id at epoch 0', async () => {
    const { coordinator } = await open(tempDir())
    const first = await coordinator.initProducerId('old-timer', 60_000, null)
    let last = first
    // Epochs run to 32766 (Short.MAX_VALUE - 1), one bump per InitProducerId.
    while (last.producerEpoch < 32_766) last = await coordinator.initProducerId('old-timer', 60_000, null)
    expect(last.producerId).toBe(first.producerId)
    const rotated = await coordinator.initProducerId('old-timer', 60_000, null)
    expect(rotated.errorCode).toBe(E.NONE)
    expect(rotated.producerId).not.toBe(first.producerId)
    expect(rotated.producerEpoch).toBe(0)
  }, 60_000)
})
