/**
 * Kafka's own command-line admin tools (3.9.1: org.apache.kafka.tools.TopicCommand, i.e.
 * kafka-topics.sh, kafka.admin.ConfigCommand, i.e. kafka-configs.sh, and ClusterTool, i.e.
 * kafka-cluster.sh) against a real broker process, asserting on what they print, as an operator
 * would read it. The tools use the Java AdminClient: CreateTopics v7, DeleteTopics v6,
 * CreatePartitions v3, DescribeConfigs v4, IncrementalAlterConfigs v1, DescribeCluster v1,
 * Metadata v12.
 *
 * The jars come from Maven Central through test/java/admin-tools/pom.xml (`.ci/run` fetches them
 * first; if they are missing, the first test here fetches them with mvn, which needs network).
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { ZERO_UUID } from '../../src/protocol/uuid.js'
import { WireConnection } from '../helpers/admin-wire.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { ensureKafkaTools, kafkaTool } from '../helpers/kafka-tools.js'

const TOPIC_COMMAND = 'org.apache.kafka.tools.TopicCommand'
const CONFIG_COMMAND = 'kafka.admin.ConfigCommand'
const CLUSTER_TOOL = 'org.apache.kafka.tools.ClusterTool'


let broker: BrokerProcess

/** Runs one of Kafka's tools; never throws for a non-zero exit. */
const tool = kafkaTool

const topics = (...args: string[]) => tool(TOPIC_COMMAND, '--bootstrap-server', broker.bootstrap, ...args)
const configs = (...args: string[]) => tool(CONFIG_COMMAND, '--bootstrap-server', broker.bootstrap, ...args)

beforeAll(async () => {
  await ensureKafkaTools()
  broker = await startBroker()
}, 300_000)

afterAll(async () => {
  await broker?.stop()
})

describe('kafka-topics (TopicCommand)', () => {
  it('creates a topic with a config and lists it', async () => {
    const created = await topics('--create', '--topic', 'java-orders', '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=60000')
    expect(created).toMatchObject({ code: 0, stdout: 'Created topic java-orders.\n' })
    const listed = await topics('--list')
    expect(listed.stdout.split('\n')).toContain('java-orders')
  })

  it('describes partitions led by this broker, with the topic id and overrides', async () => {
    const described = await topics('--describe', '--topic', 'java-orders')
    expect(described.code).toBe(0)
    const lines = described.stdout.trim().split('\n')
    const wire = await WireConnection.connect(broker.host, broker.port)
    const metadata = await wire.request(ApiKeys.Metadata, 12, { topics: [{ name: 'java-orders', topicId: ZERO_UUID }], allowAutoTopicCreation: false })
    wire.close()
    expect(lines[0]).toBe(`Topic: java-orders\tTopicId: ${metadata.topics[0]!.topicId}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=60000`)
    expect(lines.slice(1).map((l) => l.trim().split('\t').slice(0, 5).join(' '))).toEqual([
      'Topic: java-orders Partition: 0 Leader: 1 Replicas: 1 Isr: 1',
      'Topic: java-orders Partition: 1 Leader: 1 Replicas: 1 Isr: 1',
      'Topic: java-orders Partition: 2 Leader: 1 Replicas: 1 Isr: 1',
    ])
  })

  it('adds partitions with --alter --partitions', async () => {
    expect((await topics('--alter', '--topic', 'java-orders', '--partitions', '5')).code).toBe(0)
    const described = await topics('--describe', '--topic', 'java-orders')
    expect(described.stdout).toContain('PartitionCount: 5')
    expect(described.stdout).toMatch(/Partition: 4\tLeader: 1\tReplicas: 1\tIsr: 1/)
  })

  it("prints Kafka's errors for an impossible replication factor and an existing topic", async () => {
    const replicated = await topics('--create', '--topic', 'java-replicated', '--replication-factor', '3')
    expect(replicated.code).toBe(1)
    expect(replicated.stdout).toContain('Replication factor: 3 larger than available brokers: 1.')
    const existing = await topics('--create', '--topic', 'java-orders')
    expect(existing.code).toBe(1)
    expect(existing.stdout).toContain("Topic 'java-orders' already exists.")
    expect((await topics('--create', '--topic', 'java-orders', '--if-not-exists')).code).toBe(0)
    expect((await topics('--list')).stdout.split('\n')).not.toContain('java-replicated')
  })

  it('deletes a topic', async () => {
    await topics('--create', '--topic', 'java-doomed')
    expect((await topics('--delete', '--topic', 'java-doomed')).code).toBe(0)
    expect((await topics('--list')).stdout.split('\n')).not.toContain('java-doomed')
  })
})

describe('kafka-configs (ConfigCommand)', () => {
  it('describes a topic override with its synonyms', async () => {
    const described = await configs('--entity-type', 'topics', '--entity-name', 'java-orders', '--describe')
    expect(described.stdout).toBe(
      'Dynamic configs for topic java-orders are:\n' +
        '  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000, DEFAULT_CONFIG:log.retention.hours=168}\n',
    )
  })

  it('adds and deletes topic configs, and the broker honours the new max.message.bytes at once', async () => {
    const altered = await configs(
      '--entity-type', 'topics', '--entity-name', 'java-orders', '--alter',
      '--add-config', 'max.message.bytes=2048,cleanup.policy=[delete,compact]', '--delete-config', 'retention.ms',
    )
    expect(altered.stdout).toBe('Completed updating config for topic java-orders.\n')
    const described = await configs('--entity-type', 'topics', '--entity-name', 'java-orders', '--describe')
    expect(described.stdout.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim().split(' ')[0]).sort()).toEqual([
      'cleanup.policy=delete,compact',
      'max.message.bytes=2048',
    ])

    const tooBig = 'x'.repeat(4000)
    const produced = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile('kcat', ['-b', broker.bootstrap, '-t', 'java-orders', '-p', '0', '-P'], (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : (error as { code?: number }).code ?? -1, stderr }))
      child.stdin!.end(tooBig)
    })
    expect(produced.code).not.toBe(0)
    expect(produced.stderr).toContain('Message size too large')
  })

  it('describes all settings of the topic and of the broker', async () => {
    const topic = await configs('--entity-type', 'topics', '--entity-name', 'java-orders', '--describe', '--all')
    expect(topic.stdout).toContain('All configs for topic java-orders are:')
    expect(topic.stdout).toContain('  segment.bytes=1073741824 sensitive=false synonyms={DEFAULT_CONFIG:log.segment.bytes=1073741824}')
    const brokerConfigs = await configs('--entity-type', 'brokers', '--entity-name', '1', '--describe', '--all')
    expect(brokerConfigs.stdout).toContain('All configs for broker 1 are:')
    expect(brokerConfigs.stdout).toContain('  num.partitions=1 sensitive=false synonyms={DEFAULT_CONFIG:num.partitions=1}')
  })

  it('refuses to change broker settings, which are static in Samsa', async () => {
    const altered = await configs('--entity-type', 'brokers', '--entity-name', '1', '--alter', '--add-config', 'log.retention.ms=1000')
    expect(altered.code).not.toBe(0)
    expect(altered.stdout + altered.stderr).toContain('InvalidRequestException: Broker settings are static in Samsa')
  })
})

describe('kafka-cluster (ClusterTool)', () => {
  it('prints the cluster id the broker keeps in meta.properties (DescribeCluster)', async () => {
    const clusterId = /cluster\.id=(\S+)/.exec(readFileSync(join(broker.dataDir, 'meta.properties'), 'utf8'))![1]
    const printed = await tool(CLUSTER_TOOL, 'cluster-id', '--bootstrap-server', broker.bootstrap)
    expect(printed).toMatchObject({ code: 0, stdout: `Cluster ID: ${clusterId}\n` })
  })
})
