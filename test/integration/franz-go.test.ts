/**
 * franz-go (v1.22.3, the pure-Go client, with its admin client kadm v1.20.0) against one real
 * broker process, through the programs under test/go:
 * - its default producer (idempotent, acks=all) and a classic consumer group that commits what it
 *   has consumed: a second member started after the first has left resumes where it stopped, and
 *   every acknowledged record is read once;
 * - a KIP-848 consumer group (franz-go's ServerSideBalancer, the broker's uniform assignor) of two
 *   members, one of which leaves: its partitions move to the other and every record is read once;
 * - a consumer of 200 partitions fetches through an incremental fetch session (KIP-227), as the
 *   broker's /metrics show, and reads every record;
 * - a GroupTransactSession copies records in transactions, the first one aborted: a read_committed
 *   reader sees each copy once, a read_uncommitted one also sees the aborted copies;
 * - two franz-go share consumers (KIP-932) on one partition: each record goes to exactly one;
 * - kadm creates, lists and describes a topic, lists its offsets, and lists and describes a classic
 *   and a KIP-848 group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBrokerWithGateway } from '../helpers/broker-process.js'
import { type GoLine, type GoProcess, buildGoPrograms, missingGo, runGo, startGo } from '../helpers/go-client.js'

let broker: BrokerProcess
const running: GoProcess[] = []

/** Starts a program and remembers it, so a failing test still stops it (afterAll). */
function start(program: string, args: readonly string[]): GoProcess {
  const started = startGo(program, ['-bootstrap', broker.bootstrap, ...args])
  running.push(started)
  return started
}

async function run(program: string, args: readonly string[]): Promise<GoLine[]> {
  const result = await runGo(program, ['-bootstrap', broker.bootstrap, ...args])
  if (result.code !== 0) throw new Error(`${program} exited with ${result.code}: ${JSON.stringify(result.lines.slice(-3))}\n${result.stderr}`)
  return result.lines
}

interface Acked {
  readonly value: string
  readonly partition: number
  readonly offset: number
}

/** Produces `count` records with franz-go's defaults; every one must be acknowledged. */
async function produce(topic: string, prefix: string, count: number): Promise<Acked[]> {
  const lines = await run('produce', ['-topic', topic, '-prefix', prefix, '-count', String(count)])
  expect(lines.filter((line) => 'error' in line)).toEqual([])
  const acked = lines.filter((line) => 'acked' in line).map((line) => ({ value: line.acked as string, partition: line.partition as number, offset: line.offset as number }))
  expect(acked).toHaveLength(count)
  return acked
}

const recordsOf = (lines: readonly GoLine[]) => lines.filter((line) => 'record' in line)
const valuesOf = (lines: readonly GoLine[]) => recordsOf(lines).map((line) => line.record as string)

/** Lost and duplicated values of `read` against `expected`. */
function compare(expected: readonly string[], read: readonly string[]): { lost: string[]; duplicated: string[] } {
  const seen = new Set<string>()
  const duplicated = read.filter((value) => (seen.has(value) ? true : (seen.add(value), false)))
  return { lost: expected.filter((value) => !seen.has(value)), duplicated }
}

/** Offsets a consumer read from each partition must rise. */
function expectOrderedPerPartition(lines: readonly GoLine[]): void {
  const last = new Map<string, number>()
  for (const line of recordsOf(lines)) {
    const key = `${String(line.topic)}:${String(line.partition)}`
    expect(line.offset as number).toBeGreaterThan(last.get(key) ?? -1)
    last.set(key, line.offset as number)
  }
}

/** Resolves once `members` together have printed every expected value (checked as lines arrive). */
async function untilCovered(members: readonly GoProcess[], expected: readonly string[], timeoutMs = 120_000): Promise<void> {
  const wanted = new Set(expected)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const seen = new Set(members.flatMap((m) => valuesOf(m.lines)).filter((value) => wanted.has(value)))
    if (seen.size === wanted.size) return
    if (Date.now() > deadline) throw new Error(`${wanted.size - seen.size} of ${wanted.size} records never read, e.g. ${[...wanted].filter((v) => !seen.has(v)).slice(0, 3).join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(new URL('metrics', broker.httpUrl!))).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1))
}

async function waitForMetricAbove(name: string, floor: number): Promise<number> {
  const deadline = Date.now() + 120_000
  for (;;) {
    const value = await metric(name)
    if (value > floor) return value
    if (Date.now() > deadline) throw new Error(`${name} stayed at ${value}, not above ${floor}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const hasAssignment = (line: GoLine) => 'assigned' in line && Object.values(line.assigned as Record<string, number[]>).some((partitions) => partitions.length > 0)

describe.skipIf(missingGo)('franz-go', () => {
  beforeAll(async () => {
    buildGoPrograms()
    broker = await startBrokerWithGateway({
      settings: { 'num.partitions': 3, 'group.consumer.heartbeat.interval.ms': 500, 'group.consumer.min.heartbeat.interval.ms': 100, 'group.initial.rebalance.delay.ms': 0 },
    })
  }, 300_000)
  afterAll(async () => {
    for (const program of running) program.terminate()
    await Promise.all(running.map((program) => program.exited))
    await broker?.stop()
  })

  it('an idempotent acks=all producer and a classic group: a member started after another left resumes at its commits, every record once', async () => {
    const acked = await produce('franz-classic', 'classic', 300)
    for (const partition of [0, 1, 2]) {
      const inPartition = acked.filter((a) => a.partition === partition).sort((a, b) => a.offset - b.offset)
      expect(inPartition.map((a) => a.offset)).toEqual(inPartition.map((_, i) => i)) // dense, from 0
      const sendOrder = inPartition.map((a) => Number(a.value.split('-')[1]))
      expect(sendOrder).toEqual([...sendOrder].sort((a, b) => a - b)) // offsets follow the send order
    }
    const first = await run('consume', ['-topics', 'franz-classic', '-group', 'franz-classic', '-max', '120'])
    expect(first.at(-1)).toMatchObject({ done: true, consumed: 120, timedOut: false, fetchErrors: 0 })

    const second = start('consume', ['-topics', 'franz-classic', '-group', 'franz-classic'])
    const expected = acked.map((a) => a.value)
    await untilCovered([second], expected.filter((value) => !valuesOf(first).includes(value)))
    second.terminate()
    const secondRun = await second.exited
    expect(secondRun.lines.filter((line) => 'commitError' in line)).toEqual([])
    expect(secondRun.lines.at(-1)).toMatchObject({ done: true, consumed: 180 })
    expect(compare(expected, [...valuesOf(first), ...valuesOf(secondRun.lines)])).toEqual({ lost: [], duplicated: [] })
    expectOrderedPerPartition(first)
    expectOrderedPerPartition(secondRun.lines)
  }, 240_000)

  it('a KIP-848 group of two members: when one leaves, the other takes its partitions and every record is read once', async () => {
    await run('admin', ['-create', 'franz-848', '-partitions', '3'])
    const leaving = start('consume', ['-topics', 'franz-848', '-group', 'franz-848', '-protocol', 'consumer', '-max', '60'])
    const staying = start('consume', ['-topics', 'franz-848', '-group', 'franz-848', '-protocol', 'consumer'])
    // Both members hold partitions before there is anything to read, so the coordinator has split them.
    await leaving.waitForLine(hasAssignment)
    await staying.waitForLine(hasAssignment)
    const acked = await produce('franz-848', 'kip848', 300)
    const left = await leaving.exited
    expect(left.lines.at(-1)).toMatchObject({ done: true, consumed: 60, timedOut: false })

    const expected = acked.map((a) => a.value)
    await untilCovered([leaving, staying], expected)
    staying.terminate()
    const stayed = await staying.exited
    expect(stayed.lines.filter((line) => 'commitError' in line || 'fetchError' in line)).toEqual([])
    expect(compare(expected, [...valuesOf(left.lines), ...valuesOf(stayed.lines)])).toEqual({ lost: [], duplicated: [] })
    // The member that stayed ended up with all three partitions, so the server did the moving.
    const partitionsRead = new Set(recordsOf(stayed.lines).map((line) => line.partition))
    expect(partitionsRead).toEqual(new Set([0, 1, 2]))
    expect(broker.output()).toMatch(/consumer group epoch group="franz-848"/)
  }, 240_000)

  it('a consumer of 200 partitions fetches through an incremental fetch session and reads every record once', async () => {
    const [created] = await run('admin', ['-create', 'franz-sessions', '-partitions', '200'])
    expect(created).toMatchObject({ created: 'franz-sessions', error: '' })
    const before = await metric('samsa_fetch_sessions_incremental_requests_total')
    const consumer = start('consume', ['-topics', 'franz-sessions'])
    // Idle fetches of all 200 partitions: after the first full one, franz-go sends them incrementally.
    await waitForMetricAbove('samsa_fetch_sessions_incremental_requests_total', before + 2)
    const acked = await produce('franz-sessions', 'session', 400)
    expect(new Set(acked.map((a) => a.partition)).size).toBeGreaterThan(100)
    await untilCovered([consumer], acked.map((a) => a.value))
    // Counted while the consumer runs: closing, franz-go ends its session (epoch -1).
    expect(await metric('kafka_server_fetchsessioncache_numincrementalfetchsessions')).toBeGreaterThanOrEqual(1)
    expect(await metric('kafka_server_fetchsessioncache_numincrementalfetchpartitionscached')).toBeGreaterThanOrEqual(200)
    consumer.terminate()
    const consumed = await consumer.exited
    expect(compare(acked.map((a) => a.value), valuesOf(consumed.lines))).toEqual({ lost: [], duplicated: [] })
    expectOrderedPerPartition(consumed.lines)
  }, 240_000)

  it('a GroupTransactSession copies records in transactions: read_committed sees each copy once, never the aborted first try', async () => {
    const acked = await produce('franz-txn-in', 'txn', 50)
    const copier = await run('transact', ['-input', 'franz-txn-in', '-output', 'franz-txn-out', '-group', 'franz-txn', '-count', '50', '-abort-first'])
    const transactions = copier.filter((line) => 'transaction' in line)
    expect(transactions[0]).toMatchObject({ committed: false })
    // The first abort was asked for; a rebalance on a busy machine may abort another, and each
    // aborted copy stays in the log.
    const aborted = transactions.filter((t) => t.committed === false).reduce((sum, t) => sum + (t.transaction as number), 0)
    expect(aborted).toBeGreaterThan(0)
    expect(copier.at(-1)).toEqual({ done: true, committedRecords: 50 })

    const copies = acked.map((a) => `copy-of-${a.value}`)
    const committed = await run('consume', ['-topics', 'franz-txn-out', '-read-committed', '-max', '50'])
    expect(compare(copies, valuesOf(committed))).toEqual({ lost: [], duplicated: [] })
    // Without the isolation level the aborted copies are there too: the filter above did the work.
    const uncommitted = await run('consume', ['-topics', 'franz-txn-out', '-max', String(50 + aborted)])
    expect(compare(copies, valuesOf(uncommitted)).duplicated).toHaveLength(aborted)
  }, 240_000)

  it('two share-group consumers (KIP-932) on one partition: every record is delivered to exactly one of them', async () => {
    await run('admin', ['-create', 'franz-share', '-partitions', '1'])
    const consumers = [1, 2].map(() => start('share-consume', ['-topic', 'franz-share', '-group', 'franz-share', '-deadline', '180s']))
    // A new share-partition starts at the high watermark (share.auto.offset.reset latest): produce once it exists.
    const deadline = Date.now() + 120_000
    while (!broker.output().includes('share-partition initialized group="franz-share"')) {
      if (Date.now() > deadline) throw new Error('the share-partition of franz-share was never initialized')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const acked = await produce('franz-share', 'share', 60)
    await untilCovered(consumers, acked.map((a) => a.value))
    for (const consumer of consumers) consumer.terminate()
    const finished = await Promise.all(consumers.map((consumer) => consumer.exited))
    for (const run of finished) expect(run.lines.filter((line) => 'fetchError' in line)).toEqual([])
    expect(compare(acked.map((a) => a.value), finished.flatMap((run) => valuesOf(run.lines)))).toEqual({ lost: [], duplicated: [] })
  }, 240_000)

  it('kadm creates, lists and describes topics, lists offsets, and describes a classic and a KIP-848 group', async () => {
    const lines = await run('admin', ['-create', 'franz-admin', '-partitions', '4'])
    const created = lines.find((line) => 'created' in line)!
    expect(created).toMatchObject({ created: 'franz-admin', error: '' })
    const listed = lines.find((line) => 'listed' in line)!.listed as string[]
    expect(listed).toContain('franz-admin')
    expect(listed.filter((name) => name.startsWith('__'))).toEqual([]) // internal topics only when asked for
    expect(lines.find((line) => 'described' in line)).toEqual({
      described: 'franz-admin',
      id: created.id,
      error: '',
      partitions: [0, 1, 2, 3].map((partition) => ({ partition, leader: broker.nodeId, replicas: [broker.nodeId], isr: [broker.nodeId], error: '' })),
    })

    const acked = await produce('franz-admin', 'admin', 40)
    const [offsets] = await run('admin', ['-offsets', 'franz-admin'])
    const perPartition = (partition: number) => acked.filter((a) => a.partition === partition).length
    expect(offsets).toEqual({ offsets: 'franz-admin', error: '', start: { 0: 0, 1: 0, 2: 0, 3: 0 }, end: { 0: perPartition(0), 1: perPartition(1), 2: perPartition(2), 3: perPartition(3) } })

    const classic = start('consume', ['-topics', 'franz-admin', '-group', 'franz-admin-classic'])
    const modern = start('consume', ['-topics', 'franz-admin', '-group', 'franz-admin-848', '-protocol', 'consumer'])
    await classic.waitForLine(hasAssignment)
    await modern.waitForLine(hasAssignment)
    const described = await run('admin', ['-classic-groups', 'franz-admin-classic', '-consumer-groups', 'franz-admin-848'])
    classic.terminate()
    modern.terminate()
    await Promise.all([classic.exited, modern.exited])
    const all = ['franz-admin:0', 'franz-admin:1', 'franz-admin:2', 'franz-admin:3']
    expect(described.find((line) => 'groupTypes' in line)!.groupTypes).toMatchObject({ 'franz-admin-classic': 'classic', 'franz-admin-848': 'consumer' })
    expect(described.find((line) => 'classicGroup' in line)).toMatchObject({ state: 'Stable', protocolType: 'consumer', members: 1, assigned: all, error: '' })
    expect(described.find((line) => 'consumerGroup' in line)).toMatchObject({ state: 'Stable', assignor: 'uniform', members: 1, assigned: all, error: '' })
  }, 240_000)
})
