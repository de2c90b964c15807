/**
 * Kafka's own Java client and tools (3.9.1) against Samsa's group coordinator:
 * - the Java consumer (kafka-console-consumer with --group: JoinGroup v9, SyncGroup v5,
 *   OffsetCommit v9, OffsetFetch v9) consumes in a group and commits;
 * - kafka-consumer-groups (ConsumerGroupCommand) lists, describes with lag, resets and deletes;
 * - kafka-dump-log's offsets decoder (DumpLogSegments) reads our __consumer_offsets records,
 *   in the partition Kafka itself would pick for the group (Utils.abs(hashCode) % 50).
 *
 * The jars come from Maven Central through test/java/admin-tools/pom.xml (`.ci/run` fetches
 * them; if they are missing, this file fetches them with mvn first, which needs network).
 */
import { execFile } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { partitionForGroup } from '../../src/group/coordinator-key.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { type BrokerProcess, ROOT, startBroker } from '../helpers/broker-process.js'
import { committedOffsets, connectRaw, ensureTopic, produceNumbered, startProducer } from '../helpers/group-admin.js'
import { tempDir } from '../helpers/temp-dir.js'

const run = promisify(execFile)
const TOOLS = join(ROOT, 'test', 'java', 'admin-tools')
const JARS = join(TOOLS, 'target', 'dependency')
const GROUP = 'java-group'
const TOPIC = 'java-topic'

let broker: BrokerProcess

async function java(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('java', [`-Dlog4j.configuration=file:${join(TOOLS, 'log4j.properties')}`, '-cp', `${JARS}/*`, ...args], { timeout: 90_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

const consumerGroups = (...args: string[]) => java('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '--bootstrap-server', broker.bootstrap, ...args)

beforeAll(async () => {
  if (!existsSync(join(JARS, 'kafka-tools-3.9.1.jar'))) {
    await run('mvn', ['-q', '-B', '-f', join(TOOLS, 'pom.xml'), 'dependency:copy-dependencies'], { timeout: 280_000 })
  }
  broker = await startBroker({ settings: { 'num.partitions': 3, 'offsets.topic.num.partitions': 50 } })
  await ensureTopic(broker.bootstrap, TOPIC)
  const producer = await startProducer(broker.bootstrap)
  await produceNumbered(producer, TOPIC, 0, 30, 3)
  await producer.disconnect()
}, 300_000)

afterAll(async () => {
  await broker?.stop()
})

describe("Kafka's Java consumer and group tools", () => {
  it('consume in a group and commit; kafka-consumer-groups lists and describes the lag', async () => {
    const consumed = await java('org.apache.kafka.tools.consumer.ConsoleConsumer', '--bootstrap-server', broker.bootstrap, '--topic', TOPIC, '--group', GROUP, '--from-beginning', '--max-messages', '30')
    expect(consumed.stderr).toContain('Processed a total of 30 messages')
    expect(await committedOffsets(broker.bootstrap, GROUP, TOPIC, 3)).toEqual([10, 10, 10])

    const producer = await startProducer(broker.bootstrap)
    await produceNumbered(producer, TOPIC, 30, 6, 3)
    await producer.disconnect()
    const listed = await consumerGroups('--list', '--state')
    expect(listed.stdout).toMatch(new RegExp(`^${GROUP}\\s+Empty\\s*$`, 'm'))
    const described = await consumerGroups('--describe', '--group', GROUP)
    expect(described.stdout + described.stderr).toContain(`Consumer group '${GROUP}' has no active members.`)
    for (const p of [0, 1, 2]) expect(described.stdout).toMatch(new RegExp(`${GROUP}\\s+${TOPIC}\\s+${p}\\s+10\\s+12\\s+2\\s+-`))
  }, 120_000)

  it('kafka-consumer-groups resets offsets and deletes the group', async () => {
    const reset = await consumerGroups('--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--execute')
    expect(reset.code).toBe(0)
    expect(await committedOffsets(broker.bootstrap, GROUP, TOPIC, 3)).toEqual([0, 0, 0])
    const deleted = await consumerGroups('--delete', '--group', GROUP)
    expect(deleted.stdout).toContain(`Deletion of requested consumer groups ('${GROUP}') was successful.`)
    expect((await consumerGroups('--list')).stdout).not.toContain(GROUP)
  }, 120_000)

  it("kafka-dump-log decodes our __consumer_offsets records, in the partition Kafka's hash picks", async () => {
    const groups = ['dump-group', 'polygenelubricants', 'Aa', 'consumer-x', 'java-group']
    const dir = tempDir('samsa-hash-')
    writeFileSync(join(dir, 'Partition.java'), [
      'public class Partition {',
      '  public static void main(String[] groups) {',
      '    for (String g : groups) System.out.println(g + " " + org.apache.kafka.common.utils.Utils.abs(g.hashCode()) % 50);',
      '  }',
      '}',
    ].join('\n'))
    const kafkaChoice = await java(join(dir, 'Partition.java'), ...groups)
    expect(kafkaChoice.stdout.trim().split('\n')).toEqual(groups.map((g) => `${g} ${partitionForGroup(g, 50)}`))

    const connection = await connectRaw(broker.bootstrap)
    await connection.request(ApiKeys.OffsetCommit, 2, {
      groupId: 'dump-group', generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1n,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 1, committedOffset: 7n, committedMetadata: 'hello' }] }],
    })
    connection.close()
    const segment = join(broker.dataDir, `__consumer_offsets-${partitionForGroup('dump-group', 50)}`, '00000000000000000000.log')
    const dump = await java('kafka.tools.DumpLogSegments', '--offsets-decoder', '--print-data-log', '--files', segment)
    expect(dump.stdout).toContain('isvalid: true')
    expect(dump.stdout).toContain('key: {"type":"1","data":{"group":"dump-group","topic":"java-topic","partition":1}}')
    expect(dump.stdout).toMatch(/payload: \{"version":"3","data":\{"offset":7,"leaderEpoch":-1,"metadata":"hello","commitTimestamp":\d+\}\}/)
  }, 120_000)
})
