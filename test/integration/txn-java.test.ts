/**
 * Transactions and exactly-once with the Java client and Kafka Streams 3.9.1 against the real
 * broker process, killed with SIGKILL while they work (issue 12's proof):
 * - a transactional producer that commits some transactions and aborts others, with offsets
 *   in each: a read_committed consumer sees exactly the committed records, and the group's
 *   offset moves only with a committed transaction;
 * - a transactional copier in the shape of Kafka's TransactionalMessageCopier across three
 *   kill -9 restarts of the broker (one of them down longer than the client's timeouts, so the
 *   copier aborts and rewinds on its own): the output, read with read_committed, is the input,
 *   with nothing lost, nothing duplicated and each partition in order;
 * - Kafka Streams' word count with exactly_once_v2 across a kill -9: each word's updates in
 *   the output are 1, 2, ... n exactly (a duplicate or a gap would break the sequence).
 *
 * One broker (restarted on its data dir after each kill) and one JVM per scenario. The programs
 * are in test/java/txn (kafka-clients and kafka-streams from Maven Central, compiled with javac).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { type ReadRecord, byPartition, kcat, readWithKcat } from '../helpers/clients.js'
import { type JavaProcess, missingJavaTools, prepareJavaTxn, runJava, startJava } from '../helpers/java-txn.js'

let broker: BrokerProcess
let program: JavaProcess | undefined

/** Produces `values` keyed by index with acks=all (kcat exits once every one is acknowledged). */
async function produceInput(topic: string, values: readonly string[]): Promise<void> {
  await kcat(['-P', '-b', broker.bootstrap, '-t', topic, '-K\t', '-X', 'acks=all'], values.map((v, i) => `k${i}\t${v}`).join('\n') + '\n')
}

const readCommitted = (topic: string, extraArgs: readonly string[] = []): Promise<ReadRecord[]> =>
  readWithKcat(broker.bootstrap, topic, ['-X', 'isolation.level=read_committed', ...extraArgs])

/** Kills the broker with SIGKILL and starts it again on the same data directory and port, `downMs` later. */
async function killAndRestart(downMs = 0): Promise<void> {
  await broker.kill()
  if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs))
  broker = await broker.restart()
}

describe.skipIf(missingJavaTools.length > 0)('transactions with the Java client and Kafka Streams 3.9.1', () => {
  beforeAll(async () => {
    prepareJavaTxn()
    broker = await startBroker({ settings: { 'num.partitions': 3 } })
  }, 600_000)

  afterEach(async () => {
    await program?.kill()
    program = undefined
  })

  afterAll(async () => {
    await broker?.stop()
    if (broker !== undefined) rmSync(broker.dataDir, { recursive: true, force: true })
  })

  it('a read_committed consumer sees committed transactions only, and offsets sent in a transaction are committed only with it', async () => {
    // Transactions 0, 2, 3 commit; 1 and 4 abort. Transaction i commits offset 100 + i.
    const produced = await runJava('TxnProduceConsume', ['produce', broker.bootstrap, 'java-txn', 'java-txn-1', 'java-txn-group', 'cacca'])
    expect(produced).toEqual([
      ['txn', '0', 'committed', '100'],
      ['txn', '1', 'aborted', '100'],
      ['txn', '2', 'committed', '102'],
      ['txn', '3', 'committed', '103'],
      ['txn', '4', 'aborted', '103'],
    ])

    const consumed = await runJava('TxnProduceConsume', ['consume', broker.bootstrap, 'java-txn', '50', '5000'])
    const values = consumed.filter((l) => l[0] === 'record').map((l) => l[3]!)
    const expected = [0, 2, 3].flatMap((i) => Array.from({ length: 10 }, (_, j) => `t${i}-${j}`))
    expect([...values].sort()).toEqual([...expected].sort())
    // Within a partition, records come in the order they were sent.
    for (const [, records] of byPartition(consumed.filter((l) => l[0] === 'record').map((l) => ({ partition: Number(l[1]), offset: Number(l[2]), key: null, value: Buffer.from(l[3]!), headers: [], timestamp: 0 })))) {
      const sent = records.map((r) => r.value!.toString())
      expect(sent).toEqual(expected.filter((v) => sent.includes(v)))
    }
  }, 120_000)

  it('a transactional copier survives three kill -9 restarts of the broker: output = input, no duplicates, order kept per partition', async () => {
    const COUNT = 5_000
    const input = Array.from({ length: COUNT }, (_, i) => `r${i}`)
    await produceInput('copier-in', input)
    const inputByPartition = byPartition(await readWithKcat(broker.bootstrap, 'copier-in'))
    expect([...inputByPartition.values()].reduce((n, l) => n + l.length, 0)).toBe(COUNT)

    program = startJava('TxnCopier', [broker.bootstrap, 'copier-in', 'copier-out', 'copier-group', 'copier-1', String(COUNT), '50', '30', '7'])
    const progressAtLeast = (n: number) => (line: string[]) => line[0] === 'progress' && Number(line[1]) >= n
    // The second outage outlasts the client's timeouts (10 s): its transaction fails, and the
    // copier must abort or replace its producer and rewind. After the short ones the client's
    // retries carry the open transaction over the restart.
    for (const [threshold, downMs] of [[1_000, 0], [2_500, 15_000], [4_000, 0]] as const) {
      await program.waitForLine(progressAtLeast(threshold), 180_000)
      await killAndRestart(downMs)
    }
    await program.waitForLine((line) => line[0] === 'done', 240_000)
    expect(await program.exited).toBe(0)
    expect(program.lines.filter((l) => l[0] === 'recovered').length).toBeGreaterThan(0)
    // Every 7th transaction was aborted after writing its records: the output log holds them.
    expect(program.lines.filter((l) => l[0] === 'aborted').length).toBeGreaterThan(5)

    const output = await readCommitted('copier-out')
    const outputByPartition = byPartition(output)
    for (const [partition, records] of inputByPartition) {
      const copied = (outputByPartition.get(partition) ?? []).map((r) => r.value!.toString())
      // Exactly the input of the same partition, in its order: nothing lost, duplicated or reordered.
      expect(copied, `partition ${partition}`).toEqual(records.map((r) => `copied:${r.value!.toString()}`))
    }
    expect(output).toHaveLength(COUNT)
  }, 600_000)

  it('Kafka Streams word count with exactly_once_v2 across a kill -9: every word counts 1..n exactly once', async () => {
    const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima']
    const lines = Array.from({ length: 600 }, (_, i) => Array.from({ length: 8 }, (_, j) => WORDS[(i * 7 + j * 5) % WORDS.length]).join(' '))
    const expected = new Map<string, number>()
    for (const line of lines) for (const word of line.split(' ')) expected.set(word, (expected.get(word) ?? 0) + 1)
    const totalWords = lines.length * 8

    const stateDir = mkdtempSync(join(tmpdir(), 'samsa-streams-'))
    try {
      await produceInput('wc-in', lines.slice(0, 300))
      program = startJava('StreamsWordCount', [broker.bootstrap, 'wc-app', 'wc-in', 'wc-out', stateDir])
      await program.waitForLine((l) => l[0] === 'state' && l[1] === 'RUNNING', 180_000)
      // Kill the broker while the application is busy with the first half.
      const deadline = Date.now() + 120_000
      let lastError: unknown = null
      const outputSoFar = (): Promise<number> => readWithKcat(broker.bootstrap, 'wc-out', ['-s', 'value=q']).then((r) => r.length, (error: unknown) => {
        lastError = error
        return 0
      })
      while ((await outputSoFar()) < 200) {
        if (Date.now() > deadline) throw new Error(`word count produced nothing within 120 s (${String(lastError)}):\n${program.stderr().slice(-4000)}`)
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
      await killAndRestart()
      await produceInput('wc-in', lines.slice(300))

      let output: ReadRecord[] = []
      const done = Date.now() + 240_000
      while (output.length < totalWords && Date.now() < done) {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        // Counts are 64-bit big-endian longs: kcat prints them as numbers (-s value=q).
        output = await readCommitted('wc-out', ['-s', 'value=q']).catch(() => output)
      }
      const updates = new Map<string, number[]>()
      for (const [, records] of byPartition(output)) {
        for (const r of records) {
          const word = r.key!.toString()
          let list = updates.get(word)
          if (list === undefined) updates.set(word, (list = []))
          list.push(Number(r.value!.toString()))
        }
      }
      for (const [word, count] of expected) {
        expect(updates.get(word), word).toEqual(Array.from({ length: count }, (_, i) => i + 1))
      }
      expect(output).toHaveLength(totalWords)
    } finally {
      await program?.kill()
      rmSync(stateDir, { recursive: true, force: true })
    }
  }, 600_000)
})
