/**
 * Kafka 3.9.1's own tools and its Java client against a three-broker cluster: kafka-topics
 * creates a replicated topic and describes its leaders, replicas and ISR (and the under-replicated
 * partitions while a broker is down); after the preferred leader of a partition came back,
 * kafka-leader-election moves leadership back to it (ElectLeaders at the controller); the Java
 * client's default producer (idempotent, acks=all) writes to a replicated topic and its consumer
 * reads every record back where the producer was told it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'
import { java, missingTools, prepareJava } from '../helpers/java-client.js'


let cluster: TestCluster

const tool = kafkaTool

const topics = (...args: string[]) => tool('org.apache.kafka.tools.TopicCommand', '--bootstrap-server', cluster.bootstrap, ...args)

/** kafka-topics --describe lines for partition `p`: { leader, replicas, isr }. */
async function describePartition(topic: string, p: number): Promise<{ leader: number; replicas: number[]; isr: number[] }> {
  const { stdout } = await topics('--describe', '--topic', topic)
  const line = stdout.split('\n').find((l) => new RegExp(`Partition: ${p}\\s`).test(l))
  if (line === undefined) throw new Error(`no line for partition ${p} in:\n${stdout}`)
  const field = (name: string) => line.match(new RegExp(`${name}: (\\S+)`))![1]!
  return { leader: Number(field('Leader')), replicas: field('Replicas').split(',').map(Number), isr: field('Isr').split(',').map(Number) }
}

beforeAll(async () => {
  await ensureKafkaTools()
  if (missingTools.length === 0) prepareJava()
  cluster = await startCluster({ brokers: 3, settings: { 'broker.session.timeout.ms': 3000, 'broker.heartbeat.interval.ms': 500, 'auto.leader.rebalance.enable': false } })
}, 120_000)

afterAll(async () => {
  await cluster?.close()
})

describe("Kafka's tools against a three-broker cluster", { timeout: 120_000 }, () => {
  it('kafka-topics creates a topic of replication factor 3 whose leaders spread over the brokers', async () => {
    const created = await topics('--create', '--topic', 'tools-replicated', '--partitions', '3', '--replication-factor', '3')
    expect(created.stdout).toContain('Created topic tools-replicated.')
    const partitions = await Promise.all([0, 1, 2].map((p) => describePartition('tools-replicated', p)))
    for (const p of partitions) {
      expect(p.replicas.sort()).toEqual([1, 2, 3])
      expect(p.isr.sort()).toEqual([1, 2, 3])
    }
    expect(new Set(partitions.map((p) => p.leader)).size).toBe(3)
  })

  it('lists under-replicated partitions while a broker is down, and kafka-leader-election moves leadership back to the preferred replica once it returns', async () => {
    const { replicas } = await describePartition('tools-replicated', 0)
    const preferred = replicas[0]!
    await cluster.kill(preferred)
    await cluster.waitUntil(async () => (await describePartition('tools-replicated', 0)).leader !== preferred, 'a new leader for partition 0', 30_000)
    const under = await topics('--describe', '--under-replicated-partitions')
    expect(under.stdout).toMatch(/Topic: tools-replicated\s+Partition: 0/)

    await cluster.restart(preferred)
    await cluster.waitUntil(async () => (await describePartition('tools-replicated', 0)).isr.includes(preferred), 'the preferred replica back in the ISR', 30_000)
    expect((await describePartition('tools-replicated', 0)).leader).not.toBe(preferred)

    const elected = await tool('org.apache.kafka.tools.LeaderElectionCommand', '--bootstrap-server', cluster.bootstrap, '--election-type', 'PREFERRED', '--all-topic-partitions')
    expect(elected.code, elected.stderr).toBe(0)
    expect(elected.stdout).toMatch(/Successfully completed leader election \(PREFERRED\) for partitions .*tools-replicated-0/)
    await cluster.waitUntil(async () => (await describePartition('tools-replicated', 0)).leader === preferred, 'partition 0 led by its preferred replica again', 30_000)
  })

  it.skipIf(missingTools.length > 0)("the Java client's default producer (idempotent, acks=all) and its consumer: every record read back where it was acknowledged", async () => {
    await topics('--create', '--topic', 'java-replicated', '--partitions', '3', '--replication-factor', '3', '--config', 'min.insync.replicas=2')
    const produced = await java('produce', cluster.bootstrap, 'java-replicated', '3000', '100')
    expect(produced[0]).toEqual(['config', 'true', '-1'])
    const told = new Map(produced.filter((l) => l[0] === 'sent').map(([, value, partition, offset]) => [value!, `${partition}@${offset}`]))
    expect(told.size).toBe(3000)
    const consumed = (await java('consume', cluster.bootstrap, 'java-replicated', '3000')).filter((l) => l[0] === 'record')
    expect(consumed).toHaveLength(3000)
    for (const [, partition, offset, , value] of consumed) expect(`${partition}@${offset}`).toBe(told.get(value!))
  })
})
