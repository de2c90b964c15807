/**
 * `samsa produce`, `samsa consume` and `samsa topic` as a user runs them: real processes, stdin
 * and stdout, against the real broker.
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseHostPort } from '../../src/client/cluster.js'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { type BrokerProcess, CLI, ROOT, startBroker } from '../helpers/broker-process.js'

let broker: BrokerProcess

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 2 } })
})

afterAll(async () => {
  await broker?.stop()
})

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

function samsa(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(input)
  })
}

describe('samsa produce and consume', () => {
  it('round-trips 10,000 lines: produce from stdin, consume --from-beginning --count 10000 prints them all', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`)
    const produced = await samsa(['produce', 'lines', '--bootstrap-server', broker.bootstrap], `${lines.join('\n')}\n`)
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    const consumed = await samsa(['consume', 'lines', '--bootstrap-server', broker.bootstrap, '--from-beginning', '--count', '10000'])
    expect(consumed.code).toBe(0)
    const records = consumed.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records).toHaveLength(10_000)
    expect(new Set(records.map((r) => r.value))).toEqual(new Set(lines))
    expect(Object.keys(records[0]!)).toEqual(['topic', 'partition', 'offset', 'timestamp', 'key', 'value', 'headers'])
    expect(records[0]!.topic).toBe('lines')
    expect(records[0]!.key).toBeNull()
  })

  it('splits keys at --key-separator, adds --header to every record and compresses with --compression', async () => {
    const produced = await samsa(
      ['produce', 'keyed', '--bootstrap-server', broker.bootstrap, '--key-separator', ':', '--header', 'source=cli', '--header', 'v=1', '--compression', 'zstd', '--acks', '1'],
      'alice:hello\nbob:hi:there\n',
    )
    expect(produced.code).toBe(0)
    const consumed = await samsa(['consume', 'keyed', '--bootstrap-server', broker.bootstrap, '--from-beginning', '--count', '2'])
    const records = consumed.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as { key: string; value: string; headers: object })
    expect(records.map((r) => [r.key, r.value]).sort()).toEqual([['alice', 'hello'], ['bob', 'hi:there']])
    expect(records[0]!.headers).toEqual({ source: 'cli', v: '1' })
  })

  it('starts at an offset of one partition and prints values alone with --format value', async () => {
    await samsa(['produce', 'pinned', '--bootstrap-server', broker.bootstrap, '--partition', '1'], 'a\nb\nc\nd\n')
    const consumed = await samsa(['consume', 'pinned', '--bootstrap-server', broker.bootstrap, '--partition', '1', '--offset', '2', '--count', '2', '--format', 'value'])
    expect(consumed.stdout).toBe('c\nd\n')
  })

  it('resumes a group where its last member stopped: --group commits only the records it printed', async (context) => {
    const connection = await BrokerConnection.open(parseHostPort(broker.bootstrap))
    connection.close()
    if (!connection.supports(ApiKeys.JoinGroup)) context.skip()
    await samsa(['produce', 'grouped', '--bootstrap-server', broker.bootstrap, '--partition', '0'], `${Array.from({ length: 10 }, (_, i) => i).join('\n')}\n`)
    const first = await samsa(['consume', 'grouped', '--group', 'cli-group', '--from-beginning', '--count', '4', '--format', 'value', '--bootstrap-server', broker.bootstrap])
    expect(first.stdout).toBe('0\n1\n2\n3\n')
    const second = await samsa(['consume', 'grouped', '--group', 'cli-group', '--count', '6', '--format', 'value', '--timeout-ms', '5000', '--bootstrap-server', broker.bootstrap])
    expect(second.stdout).toBe('4\n5\n6\n7\n8\n9\n')
  })

  it('stops after --timeout-ms without records', async () => {
    const consumed = await samsa(['consume', 'lines', '--bootstrap-server', broker.bootstrap, '--timeout-ms', '300'])
    expect(consumed.code).toBe(0)
    expect(consumed.stdout).toBe('')
  })

  it('says what went wrong and what to do: broker unreachable, topic missing, bad flags', async () => {
    const unreachable = await samsa(['consume', 'lines', '--bootstrap-server', '127.0.0.1:1', '--count', '1'])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(/cannot reach broker at 127\.0\.0\.1:1: connection refused — is it running\? try `npm start`/)
    const missing = await samsa(['consume', 'missing', '--bootstrap-server', broker.bootstrap, '--count', '1'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("topic 'missing' does not exist — create it with `samsa topic create missing`")
    const usage = await samsa(['consume', 'lines', '--count', 'many'])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain("--count takes a whole number of at least 1, not 'many'")
  })
})

describe('samsa topic', () => {
  it('lists topics and describes partitions with leader, replicas and ISR', async () => {
    await samsa(['produce', 'described', '--bootstrap-server', broker.bootstrap], 'x\n')
    const list = await samsa(['topic', 'list', '--bootstrap-server', broker.bootstrap])
    expect(list.stdout.split('\n')).toContain('described')
    const describe = await samsa(['topic', 'describe', 'described', '--bootstrap-server', broker.bootstrap])
    expect(describe.code).toBe(0)
    const [topicLine, ...partitionLines] = describe.stdout.trimEnd().split('\n')
    expect(topicLine).toMatch(/^Topic: described\tTopicId: \S{22}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: /)
    expect(partitionLines).toEqual(['\tTopic: described\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1', '\tTopic: described\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1'])
  })

  it('creates, alters and deletes a topic, and says when it exists already or does not exist', async () => {
    const created = await samsa(['topic', 'create', 'managed', '--partitions', '4', '--config', 'compression.type=zstd', '--bootstrap-server', broker.bootstrap])
    expect(created.stderr).toBe('')
    expect(created.stdout).toBe('Created topic managed.\n')
    const again = await samsa(['topic', 'create', 'managed', '--bootstrap-server', broker.bootstrap])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("topic 'managed' already exists")
    expect((await samsa(['topic', 'create', 'managed', '--if-not-exists', '--bootstrap-server', broker.bootstrap])).code).toBe(0)
    const describe = await samsa(['topic', 'describe', 'managed', '--bootstrap-server', broker.bootstrap])
    expect(describe.stdout).toContain('PartitionCount: 4')
    expect(describe.stdout).toContain('compression.type=zstd')
    const altered = await samsa(['topic', 'alter-config', 'managed', '--set', 'retention.ms=3600000', '--bootstrap-server', broker.bootstrap])
    expect(altered.code).toBe(0)
    expect((await samsa(['topic', 'describe', 'managed', '--bootstrap-server', broker.bootstrap])).stdout).toContain('retention.ms=3600000')
    expect((await samsa(['topic', 'delete', 'managed', '--bootstrap-server', broker.bootstrap])).code).toBe(0)
    expect((await samsa(['topic', 'list', '--bootstrap-server', broker.bootstrap])).stdout.split('\n')).not.toContain('managed')
    const gone = await samsa(['topic', 'delete', 'managed', '--bootstrap-server', broker.bootstrap])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain("topic 'managed' does not exist")
  })
})
