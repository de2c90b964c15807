/**
 * Partition reassignment (KIP-455) with Kafka 3.9.1's own kafka-reassign-partitions against a
 * four-broker cluster (real etcd, real broker processes):
 *
 * - A partition on brokers 1, 2, 3 led by broker 1 moves to 2, 3, 4 while an idempotent producer
 *   writes to it with acks=all the whole time: --execute starts the move, --verify is repeated
 *   until it reports completion; then the partition has exactly the new replicas, all in sync,
 *   a leader among them, broker 1 no longer has its log directory, and every acknowledged value
 *   is read back once, at its offset, in order.
 * - --list shows a move in progress with its adding and removing replicas (made to last by
 *   killing the broker being added), and --cancel returns the partition to its original replicas.
 * - Bad requests get Kafka's errors: unknown partitions, unregistered or repeated brokers,
 *   cancelling nothing, and NOT_CONTROLLER from a broker that is not the controller.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/index.js'
import { AckingProducer, check, readPartition } from '../helpers/ack-checker.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'

const TOPIC = 'reassigned'

let cluster: TestCluster
const jsonDir = mkdtempSync(join(tmpdir(), 'samsa-reassign-'))

const tool = kafkaTool

const topics = (...args: string[]) => tool('org.apache.kafka.tools.TopicCommand', '--bootstrap-server', cluster.bootstrap, ...args)
const reassign = (...args: string[]) => tool('org.apache.kafka.tools.reassign.ReassignPartitionsCommand', '--bootstrap-server', cluster.bootstrap, ...args)

/** The reassignment file kafka-reassign-partitions reads: partition → target replicas. */
function reassignmentFile(name: string, moves: ReadonlyArray<{ topic: string; partition: number; replicas: number[] }>): string {
  const file = join(jsonDir, `${name}.json`)
  writeFileSync(file, JSON.stringify({ version: 1, partitions: moves }))
  return file
}

/** --verify until it says every move is complete; returns its last output. */
async function verifyUntilComplete(file: string): Promise<string> {
  let last = ''
  await cluster.waitUntil(async () => {
    const verified = await reassign('--reassignment-json-file', file, '--verify')
    last = verified.stdout + verified.stderr
    return verified.code === 0 && /is completed/.test(verified.stdout) && !/still in progress/.test(verified.stdout)
  }, 'kafka-reassign-partitions --verify to report the reassignment complete', 90_000)
  return last
}

/** Partition `p`'s replicas, ISR and leader, as broker `via` (any running one by default) reports them. */
async function partitionState(topic: string, p = 0, via?: number): Promise<{ leader: number; replicas: number[]; isr: number[] }> {
  const broker = via === undefined ? cluster.brokers.find((b) => b.child.exitCode === null && b.child.signalCode === null)! : cluster.broker(via)
  const connection = await BrokerConnection.open({ host: broker.host, port: broker.port, requestTimeoutMs: 5000 })
  try {
    const metadata = await connection.request(ApiKeys.Metadata, { topics: [{ name: topic }], allowAutoTopicCreation: false }, 9)
    const partition = metadata.topics[0]!.partitions.find((x) => x.partitionIndex === p)!
    return { leader: partition.leaderId, replicas: partition.replicaNodes, isr: partition.isrNodes }
  } finally {
    connection.close()
  }
}

beforeAll(async () => {
  await ensureKafkaTools()
  cluster = await startCluster({
    brokers: 4,
    // A long session keeps a killed broker registered while the tool runs (the --list test).
    settings: { 'broker.session.timeout.ms': 20_000, 'broker.heartbeat.interval.ms': 500, 'auto.leader.rebalance.enable': false },
  })
}, 180_000)

afterAll(async () => {
  await cluster?.close()
})

describe('kafka-reassign-partitions against a four-broker cluster', { timeout: 240_000 }, () => {
  it('moves a partition from brokers 1,2,3 (led by 1) to 2,3,4 under acks=all writes, losing, duplicating and reordering nothing', async () => {
    const created = await topics('--create', '--topic', TOPIC, '--replica-assignment', '1:2:3', '--config', 'min.insync.replicas=2')
    expect(created.stdout).toContain(`Created topic ${TOPIC}.`)
    await cluster.waitUntil(async () => (await partitionState(TOPIC)).isr.length === 3, 'the new topic fully in sync')
    expect((await partitionState(TOPIC)).leader).toBe(1)

    const producer = await AckingProducer.connect(cluster.bootstrap, TOPIC)
    producer.start()
    try {
      await producer.waitForAcks(200)
      const file = reassignmentFile('move', [{ topic: TOPIC, partition: 0, replicas: [2, 3, 4] }])
      const executed = await reassign('--reassignment-json-file', file, '--execute')
      expect(executed.code, executed.stdout + executed.stderr).toBe(0)
      expect(executed.stdout).toContain(`Successfully started partition reassignment for ${TOPIC}-0`)

      const verified = await verifyUntilComplete(file)
      expect(verified).toContain(`Reassignment of partition ${TOPIC}-0 is completed.`)
      // Writes go on at the new leader.
      await producer.waitForAcks(200)
    } finally {
      await producer.stop()
    }

    // Every broker's view: exactly the new replicas, in target order, all in sync, led by one of them.
    for (const via of [1, 2, 3, 4]) {
      await cluster.waitUntil(async () => (await partitionState(TOPIC, 0, via)).isr.length === 3, `broker ${via} to see the finished move`)
      const state = await partitionState(TOPIC, 0, via)
      expect(state.replicas).toEqual([2, 3, 4])
      expect([...state.isr].sort()).toEqual([2, 3, 4])
      expect([2, 3, 4]).toContain(state.leader)
    }
    // kafka-topics --describe reads the same (the topic's assignment followed the move).
    const described = await topics('--describe', '--topic', TOPIC)
    expect(described.stdout).toMatch(/Partition: 0\s+Leader: [234]\s+Replicas: 2,3,4\s+Isr: /)

    // Broker 1 stopped hosting the partition and deleted its log; broker 4 has one.
    await cluster.waitUntil(() => !existsSync(join(cluster.broker(1).dataDir, `${TOPIC}-0`)), "broker 1's log directory for the partition to go")
    expect(existsSync(join(cluster.broker(4).dataDir, `${TOPIC}-0`))).toBe(true)

    const report = check(producer.acks, await readPartition(cluster.bootstrap, TOPIC))
    expect(producer.acks.length).toBeGreaterThanOrEqual(400)
    expect(report.lost).toEqual([])
    expect(report.duplicated).toEqual([])
    expect(report.misplaced).toEqual([])
    expect(report.reordered).toBe(0)
  })

  it('--list shows a move in progress with its adding and removing replicas, and --cancel returns the partition to its original replicas', async () => {
    // Kill a broker that is not the controller and add it: registered still (its session has
    // not expired), it cannot copy anything, so the move stays in progress. (A killed broker
    // refuses connections at once; a paused one would hold the tool's requests until timeout.)
    const { controllerId } = await cluster.metadata()
    const added = [4, 3, 2, 1].find((id) => id !== controllerId)!
    const [first, second] = [1, 2, 3, 4].filter((id) => id !== added)
    const topic = 'listed'
    const created = await topics('--create', '--topic', topic, '--replica-assignment', `${first}:${second}`)
    expect(created.code, created.stderr).toBe(0)
    await cluster.waitUntil(async () => (await partitionState(topic)).isr.length === 2, 'the new topic fully in sync')

    const file = reassignmentFile('listed', [{ topic, partition: 0, replicas: [first!, added] }])
    await cluster.kill(added)
    const executed = await reassign('--reassignment-json-file', file, '--execute')
    expect(executed.stdout + executed.stderr).toContain(`Successfully started partition reassignment for ${topic}-0`)

    const listed = await reassign('--list')
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toContain(`${topic}-0: replicas: ${first},${added},${second}. adding: ${added}. removing: ${second}.`)
    const verifying = await reassign('--reassignment-json-file', file, '--verify')
    expect(verifying.stdout).toContain(`Reassignment of partition ${topic}-0 is still in progress.`)
    expect((await partitionState(topic)).replicas).toEqual([first, added, second])

    // --preserve-throttles: clearing throttles (none were set) would wait on the killed broker.
    const cancelled = await reassign('--reassignment-json-file', file, '--cancel', '--preserve-throttles')
    expect(cancelled.code, cancelled.stdout + cancelled.stderr).toBe(0)
    expect(cancelled.stdout).toContain(`Successfully cancelled partition reassignment for: ${topic}-0`)
    const reverted = await partitionState(topic)
    expect(reverted.replicas).toEqual([first, second])
    expect([...reverted.isr].sort()).toEqual([first, second].sort())
    expect((await reassign('--list')).stdout).toContain('No partition reassignments found.')

    // Back, the broker hosts nothing of the partition it was never given.
    await cluster.restart(added)
    await cluster.waitUntil(async () => (await cluster.metadata()).brokers.length === 4, 'the killed broker back')
    expect(existsSync(join(cluster.broker(added).dataDir, `${topic}-0`))).toBe(false)
  })

  it("answers Kafka's errors: unknown partitions, unregistered or repeated brokers, cancelling nothing, and NOT_CONTROLLER off the controller", async () => {
    const unknown = await reassign('--reassignment-json-file', reassignmentFile('unknown', [{ topic: TOPIC, partition: 7, replicas: [2, 3, 4] }]), '--execute')
    expect(unknown.code).not.toBe(0)
    expect(unknown.stdout + unknown.stderr).toMatch(/UnknownTopicOrPartition|does not exist/)

    const unregistered = await reassign('--reassignment-json-file', reassignmentFile('unregistered', [{ topic: TOPIC, partition: 0, replicas: [2, 3, 9] }]), '--execute')
    expect(unregistered.code).not.toBe(0)
    expect(unregistered.stdout + unregistered.stderr).toMatch(/9/)

    // The tool checks some of these itself; on the wire the controller answers them all.
    const { controllerId } = await cluster.metadata()
    const request = (partitions: Array<{ partitionIndex: number; replicas: number[] | null }>) => ({ timeoutMs: 10_000, topics: [{ name: TOPIC, partitions }] })
    const answers = async (nodeId: number, partitions: Array<{ partitionIndex: number; replicas: number[] | null }>) => {
      const broker = cluster.broker(nodeId)
      const connection = await BrokerConnection.open({ host: broker.host, port: broker.port, requestTimeoutMs: 10_000 })
      try {
        return await connection.request(ApiKeys.AlterPartitionReassignments, request(partitions), 0)
      } finally {
        connection.close()
      }
    }
    const E = { NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, INVALID_REPLICA_ASSIGNMENT: 39, NOT_CONTROLLER: 41, NO_REASSIGNMENT_IN_PROGRESS: 85 }
    const atController = await answers(controllerId, [
      { partitionIndex: 0, replicas: [2, 2, 3] },
      { partitionIndex: 0, replicas: [] },
      { partitionIndex: 0, replicas: [2, 3, 9] },
      { partitionIndex: 0, replicas: null },
      { partitionIndex: 7, replicas: [2, 3, 4] },
      { partitionIndex: 0, replicas: [2, 3, 4] },
    ])
    expect(atController.errorCode).toBe(E.NONE)
    expect(atController.responses[0]!.partitions.map((p) => p.errorCode)).toEqual([
      E.INVALID_REPLICA_ASSIGNMENT,
      E.INVALID_REPLICA_ASSIGNMENT,
      E.INVALID_REPLICA_ASSIGNMENT,
      E.NO_REASSIGNMENT_IN_PROGRESS,
      E.UNKNOWN_TOPIC_OR_PARTITION,
      // Already on exactly these replicas: nothing to do.
      E.NONE,
    ])
    const elsewhere = await answers([1, 2, 3, 4].find((id) => id !== controllerId)!, [{ partitionIndex: 0, replicas: [2, 3, 4] }])
    expect(elsewhere.errorCode).toBe(E.NOT_CONTROLLER)
  })
})
