/**
 * A broker under a hard open-file limit of 1,024 (as some hosts, containers and service managers
 * still set): a data directory that cannot fit stops the start with the numbers and the fix, one
 * whose old segments would not have fit starts (they are opened lazily), and topics that would
 * push it past the limit are refused cleanly while every existing partition keeps serving.
 */
import { spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { Admin } from '../../src/client/admin.js'
import { Consumer } from '../../src/client/consumer.js'
import { KafkaError } from '../../src/client/kafka-error.js'
import { Producer } from '../../src/client/producer.js'
import { closeWorkerPool } from '../../src/workers/pool.js'
import { type BrokerOptions, type BrokerProcess, CLI, startBroker } from '../helpers/broker-process.js'

const brokers: BrokerProcess[] = []
async function broker(options: BrokerOptions = {}): Promise<BrokerProcess> {
  const started = await startBroker({ readyTimeoutMs: 90_000, ...options })
  brokers.push(started)
  return started
}
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()))
  await closeWorkerPool()
})

async function createTopic(bootstrap: string, name: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  const admin = new Admin({ bootstrapServers: bootstrap })
  try {
    await admin.createTopic({ name, partitions, configs }, { timeoutMs: 120_000 })
  } finally {
    await admin.close()
  }
}

/** Sends `value` to each of `partitions` of `topic` with acks=all; resolves once all are acknowledged. */
async function produceTo(bootstrap: string, topic: string, partitions: readonly number[], value: string | Buffer): Promise<void> {
  const producer = new Producer({ bootstrapServers: bootstrap }, { acks: -1, lingerMs: 0, pool: null, retries: 20, retryBackoffMs: 50 })
  try {
    await Promise.all(partitions.map((partition) => producer.send(topic, [{ partition, value }])))
  } finally {
    await producer.close()
  }
}

/** The values stored in one partition, read from the start, waiting until `expected` arrived. */
async function readPartition(bootstrap: string, topic: string, partition: number, expected: number): Promise<string[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap }, { maxWaitMs: 200, pool: null })
  try {
    await consumer.assign([{ topic, partition, from: 'earliest' }])
    const values: string[] = []
    const deadline = Date.now() + 30_000
    while (values.length < expected && Date.now() < deadline) {
      for (const record of await consumer.poll()) values.push(Buffer.from(record.value ?? []).toString())
    }
    return values
  } finally {
    await consumer.close()
  }
}

const range = (n: number, step = 1): number[] => Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step)

describe('open-file limit of 1,024', () => {
  it('refuses to start on a data directory that needs more, with the limit, the need and the fix, and no stack trace', async () => {
    const first = await broker()
    await createTopic(first.bootstrap, 'many', 1200)
    expect(await first.stop()).toBe(0)

    const limited = spawnSync('prlimit', ['--nofile=1024:1024', process.execPath, CLI, 'start', '--port', '0', '--http-port', '0', '--data-dir', first.dataDir], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(limited.status).toBe(1)
    const stderr = limited.stderr
    expect(stderr).toMatch(new RegExp(`samsa start: The data directory ${first.dataDir} holds 12\\d\\d partitions, which need about \\d+ open files`))
    expect(stderr).toContain('may open only 1024 (soft limit 1024, hard limit 1024)')
    expect(stderr).toMatch(/`ulimit -n \d+`/)
    expect(stderr).toMatch(/LimitNOFILE=\d+/)
    expect(stderr).toMatch(/--ulimit nofile=\d+:\d+/)
    expect(stderr).not.toContain('unexpected error')
    expect(stderr).not.toMatch(/^\s+at /m)

    // Nothing was changed: without the limit the same directory starts with every partition.
    const again = await first.restart()
    brokers.push(again)
    const admin = new Admin({ bootstrapServers: again.bootstrap })
    try {
      const [many] = await admin.describeTopics(['many'])
      expect(many!.partitions).toHaveLength(1200)
    } finally {
      await admin.close()
    }
  })

  it('starts on a directory whose old segments outnumber the limit, since only active segments stay open', async () => {
    const first = await broker()
    // 400 partitions × 3 segments: 1,200 segment files, more than 1,024 descriptors.
    await createTopic(first.bootstrap, 'aged', 400, { 'segment.bytes': '1024' })
    const partitions = range(400)
    for (let round = 0; round < 3; round++) await produceTo(first.bootstrap, 'aged', partitions, `r${round}-${'x'.repeat(900)}`)
    expect(await first.stop()).toBe(0)

    const limited = await first.restart({ openFileLimit: 1024 })
    brokers.push(limited)
    expect(limited.output()).toMatch(/open-file limit soft=1024 hard=1024/)
    for (const partition of [0, 133, 399]) {
      const values = await readPartition(limited.bootstrap, 'aged', partition, 3)
      expect(values.map((v) => v.slice(0, 3))).toEqual(['r0-', 'r1-', 'r2-'])
    }
  })

  it('refuses the topic that would not fit with POLICY_VIOLATION and the fix, and keeps serving every partition', async () => {
    const limited = await broker({ openFileLimit: 1024 })
    const created: string[] = []
    let refusal: unknown
    for (let i = 0; i < 12 && refusal === undefined; i++) {
      try {
        await createTopic(limited.bootstrap, `fill-${i}`, 100)
        created.push(`fill-${i}`)
      } catch (error) {
        refusal = error
      }
    }
    // ~70 descriptors at rest and 256 kept in reserve leave room for about 700 partitions.
    expect(created.length).toBeGreaterThanOrEqual(5)
    expect(refusal).toBeInstanceOf(KafkaError)
    expect((refusal as KafkaError).errorName).toBe('POLICY_VIOLATION')
    expect((refusal as Error).message).toMatch(/Creating 100 partition\(s\) on this broker would need about \d+ open files/)
    expect((refusal as Error).message).toMatch(/`ulimit -n \d+`/)

    const admin = new Admin({ bootstrapServers: limited.bootstrap })
    try {
      expect(await admin.listTopics()).toEqual([...created].sort())
    } finally {
      await admin.close()
    }
    for (const topic of created) await produceTo(limited.bootstrap, topic, [0, 37, 99], `still-${topic}`)
    for (const topic of created) {
      expect(await readPartition(limited.bootstrap, topic, 99, 1)).toEqual([`still-${topic}`])
    }
  })

  it('runs with the soft limit raised to the hard one by Node', async () => {
    const started = await broker({ openFileLimit: { soft: 512, hard: 4096 } })
    expect(started.output()).toMatch(/open-file limit soft=4096 hard=4096/)
  })
})
