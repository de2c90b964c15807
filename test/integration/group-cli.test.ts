/**
 * `samsa group` against a real broker and a real kafkajs consumer: the lag report while the
 * group consumes and after it stops, offset resets (dry run, execute, each target), and
 * deletion, refused while the group has members.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Producer } from 'kafkajs'
import { type BrokerProcess, CLI, startBroker } from '../helpers/broker-process.js'
import { committedOffsets, ensureTopic, startProducer } from '../helpers/group-admin.js'
import { type ClientProcess, startKafkajsConsumer, waitUntil } from '../helpers/group-clients.js'

const run = promisify(execFile)
const TOPIC = 'cli-topic'
const GROUP = 'cli-group'
const BASE_TIME = Date.UTC(2024, 4, 1, 12, 0, 0)

let broker: BrokerProcess
let producer: Producer
let consumer: ClientProcess | undefined

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 3 } })
  await ensureTopic(broker.bootstrap, TOPIC)
  producer = await startProducer(broker.bootstrap)
})

afterAll(async () => {
  await consumer?.kill()
  await producer?.disconnect()
  await broker?.stop()
})

async function samsa(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'group', ...args, '--bootstrap-server', broker.bootstrap])
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** Rows of the lag report, as objects keyed by Kafka's column names. */
function lagRows(stdout: string): Array<Record<string, string>> {
  const lines = stdout.split('\n')
  const headerAt = lines.findIndex((l) => l.startsWith('GROUP') && l.includes('CURRENT-OFFSET'))
  const header = lines[headerAt]!.split(/\s+/)
  return lines.slice(headerAt + 1).filter((l) => l.trim() !== '').map((l) => Object.fromEntries(l.split(/\s+/).map((cell, i) => [header[i]!, cell])))
}

/** Record i goes to partition i % 3, alone in its batch, stamped BASE_TIME + i seconds. */
async function produce(from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await producer.send({ topic: TOPIC, messages: [{ value: String(i), partition: i % 3, timestamp: String(BASE_TIME + i * 1000) }] })
  }
}

describe('samsa group', () => {
  it('reports lag, resets offsets and deletes the group', async () => {
    await produce(0, 30)
    consumer = startKafkajsConsumer({ bootstrap: broker.bootstrap, groupId: GROUP, topic: TOPIC, clientId: 'cli-consumer' })
    await waitUntil(async () => (await committedOffsets(broker.bootstrap, GROUP, TOPIC, 3)).every((o) => o === 10), 30_000, 'commits at 10')

    const listed = await samsa('list')
    expect(listed.stdout).toMatch(new RegExp(`^${GROUP}\\s+Stable$`, 'm'))
    const live = await samsa('describe', GROUP)
    expect(live.code).toBe(0)
    expect(live.stdout).toMatch(new RegExp(`${GROUP}\\s+${broker.bootstrap.replace('.', '\\.')} \\(1\\)\\s+(range|roundrobin|RoundRobinAssigner)\\s+Stable\\s+1`))
    const liveRows = lagRows(live.stdout)
    expect(liveRows.map((r) => [r['TOPIC'], r['PARTITION'], r['CURRENT-OFFSET'], r['LOG-END-OFFSET'], r['LAG'], r['HOST'], r['CLIENT-ID']])).toEqual(
      [0, 1, 2].map((p) => [TOPIC, String(p), '10', '10', '0', '/127.0.0.1', 'cli-consumer']),
    )
    expect(liveRows[0]!['CONSUMER-ID']).toMatch(/^cli-consumer-/)

    // Active groups cannot be reset or deleted.
    const refusedReset = await samsa('reset-offsets', GROUP, '--all-topics', '--to-earliest', '--execute')
    expect(refusedReset.code).toBe(1)
    expect(refusedReset.stderr).toContain(`can only be reset if the group '${GROUP}' is inactive, but the current state is Stable`)
    const refusedDelete = await samsa('delete', GROUP)
    expect(refusedDelete.code).toBe(1)
    expect(refusedDelete.stderr).toContain('NON_EMPTY_GROUP')

    await consumer.stop()
    await produce(30, 9)
    const idle = await samsa('describe', GROUP)
    expect(idle.stdout).toContain(`Consumer group '${GROUP}' has no active members.`)
    expect(lagRows(idle.stdout).map((r) => [r['PARTITION'], r['CURRENT-OFFSET'], r['LOG-END-OFFSET'], r['LAG'], r['CONSUMER-ID']])).toEqual(
      [0, 1, 2].map((p) => [String(p), '10', '13', '3', '-']),
    )

    const dryRun = await samsa('reset-offsets', GROUP, '--all-topics', '--to-earliest', '--dry-run')
    expect(dryRun.code).toBe(0)
    expect(dryRun.stdout).toMatch(new RegExp(`${GROUP}\\s+${TOPIC}\\s+1\\s+0`))
    expect(await committedOffsets(broker.bootstrap, GROUP, TOPIC, 3)).toEqual([10, 10, 10])

    expect((await samsa('reset-offsets', GROUP, '--topic', `${TOPIC}:1`, '--to-offset', '5', '--execute')).code).toBe(0)
    expect(await committedOffsets(broker.bootstrap, GROUP, TOPIC, 3)).toEqual([10, 5, 10])
    expect((await samsa('reset-offsets', GROUP, '--topic', TOPIC, '--to-offset', '999', '--execute')).code).toBe(0)
    expect(await committedOffsets(broker.bootstrap, GROUP, TOPIC, 3)).toEqual([13, 13, 13])
    // Record 15 (partition 0, offset 5) is the first stamped at or after BASE_TIME + 15 s.
    const at = new Date(BASE_TIME + 15_000).toISOString()
    expect((await samsa('reset-offsets', GROUP, '--all-topics', '--to-datetime', at, '--execute')).code).toBe(0)
    expect(await committedOffsets(broker.bootstrap, GROUP, TOPIC, 3)).toEqual([5, 5, 5])
    expect((await samsa('reset-offsets', GROUP, '--all-topics', '--to-latest', '--execute')).code).toBe(0)
    expect(await committedOffsets(broker.bootstrap, GROUP, TOPIC, 3)).toEqual([13, 13, 13])

    const deleted = await samsa('delete', GROUP)
    expect(deleted.code).toBe(0)
    expect(deleted.stdout).toContain(`Deletion of requested consumer groups ('${GROUP}') was successful.`)
    expect((await samsa('list')).stdout).not.toContain(GROUP)
    const gone = await samsa('describe', GROUP)
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain(`Consumer group '${GROUP}' does not exist.`)
  }, 120_000)

  it('explains its usage', async () => {
    const bad = await samsa('reset-offsets', GROUP, '--to-earliest')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--topic (repeatable) or --all-topics')
  })
})
