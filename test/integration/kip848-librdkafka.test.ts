/**
 * KIP-848 with librdkafka 2.16 (confluent-kafka for Python, installed by .ci/run), the client
 * the issue found silent: group.protocol=consumer consumes by topic name and by regex (a topic
 * created after the member joined is picked up), and what Samsa refuses reaches the
 * application as an error instead of an endless wait.
 */
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type BrokerProcess, ROOT, startBroker } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { trackProcess } from '../helpers/leaks.js'

const hasConfluentKafka = spawnSync('python3', ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0
const SCRIPT = join(ROOT, 'test', 'python', 'kip848_librdkafka.py')

interface MemberResult {
  readonly assigned: string[]
  readonly values: string[]
  readonly errors: string[]
  /** librdkafka's own log (stderr): where it reports a fatal error the moment it happens. */
  stderr: string
}

let broker: BrokerProcess

/** Runs one librdkafka member to completion (it stops after `count` records or `timeoutS`). */
function member(group: string, subscription: string, count: number, timeoutS: number, extra: Record<string, string> = {}): Promise<MemberResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [SCRIPT, broker.bootstrap, group, subscription, String(count), String(timeoutS), JSON.stringify(extra)], { stdio: ['ignore', 'pipe', 'pipe'] })
    trackProcess(child, `librdkafka member of ${group}`)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`librdkafka member exited with ${code}: ${stderr}`))
      else resolve({ ...(JSON.parse(stdout.trim().split('\n').pop()!) as MemberResult), stderr })
    })
  })
}

async function produce(topic: string, values: readonly string[]): Promise<void> {
  const result = await kcat(['-b', broker.bootstrap, '-P', '-t', topic], values.join('\n') + '\n')
  expect(result.code).toBe(0)
}

async function waitForLog(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pattern.test(broker.output())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in the broker log`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.skipIf(!hasConfluentKafka)('KIP-848 with librdkafka (confluent-kafka)', () => {
  beforeAll(async () => {
    broker = await startBroker({ settings: { 'group.consumer.heartbeat.interval.ms': 500, 'group.consumer.min.heartbeat.interval.ms': 100 } })
  }, 60_000)
  afterAll(async () => {
    await broker?.stop()
  })

  test('a member with group.protocol=consumer is assigned the topic by the coordinator and consumes every record', async () => {
    const values = Array.from({ length: 20 }, (_, i) => `by-name-${i}`)
    await produce('kip848-rd-names', values)
    const result = await member('rd-names', 'kip848-rd-names', values.length, 60)
    expect({ ...result, stderr: '' }).toEqual({ assigned: ['kip848-rd-names:0'], values, errors: [], stderr: '' })
  }, 120_000)

  test('a regex subscription picks up a topic created after the member joined', async () => {
    const running = member('rd-regex', '^kip848-rx-.*', 5, 90)
    await waitForLog(/bumped consumer group epoch group="rd-regex"/)
    const values = Array.from({ length: 5 }, (_, i) => `late-${i}`)
    await produce('kip848-rx-late', values)
    const result = await running
    expect(result.values).toEqual(values)
    expect(result.assigned).toContain('kip848-rx-late:0')
    expect(result.errors).toEqual([])
  }, 150_000)

  test('a server assignor Samsa does not have is a fatal error librdkafka reports to the application', async () => {
    const result = await member('rd-assignor', 'kip848-rd-names', 1, 20, { 'group.remote.assignor': 'sticky' })
    expect(result.values).toEqual([])
    // librdkafka logs the fatal error the moment the heartbeat answer arrives (its error callback
    // fires when the consumer closes), with the coordinator's reason.
    expect(result.stderr).toMatch(/%0\|\d+\.\d+\|FATAL\|.*assignor or its version range is not supported/)
    expect(result.errors.join('\n')).toMatch(/_FATAL.*assignor/)
  }, 120_000)
})
