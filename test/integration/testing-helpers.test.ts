/**
 * samsa/testing in a vitest file, as a user's test uses it: useBroker() with vitest's hooks, a
 * fresh topic per test, produceAndWait and waitForMessages (and what they say when they fail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { produceAndWait, useBroker, waitForMessages } from '../../src/testing/index.js'

let startedInBeforeAll: string | undefined
const kafka = useBroker({ hooks: { beforeAll, afterAll }, 'num.partitions': 2 })
// Hooks registered after useBroker() run after its beforeAll: the broker is up.
beforeAll(() => {
  startedInBeforeAll = kafka.bootstrapServers
})

describe('useBroker', () => {
  it('starts one broker for the file, before the first test', () => {
    expect(startedInBeforeAll).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(kafka.bootstrapServers).toBe(startedInBeforeAll)
    expect(kafka.broker.port).toBe(Number(startedInBeforeAll!.split(':')[1]))
  })

  it('gives each call a topic of its own, with the partitions asked for', async () => {
    const first = await kafka.topic()
    const second = await kafka.topic({ prefix: 'orders', partitions: 3 })
    expect(first).not.toBe(second)
    expect(second).toMatch(/^orders-\d+-[a-z0-9]+$/)
    const offsets = await produceAndWait(kafka.broker, second, [0, 1, 2].map((partition) => ({ value: `p${partition}`, partition })))
    expect(offsets.map((o) => o.partition).sort()).toEqual([0, 1, 2])
    expect(await kafka.waitForMessages(first, 0)).toEqual([])
  })

  it('produceAndWait resolves with the offsets the broker gave; waitForMessages reads them back with keys and headers', async () => {
    const topic = await kafka.topic({ partitions: 1 })
    const sent = await kafka.produceAndWait(topic, ['a', Buffer.from('b'), { key: 'k', value: 'c', headers: { trace: 't-1' } }])
    expect(sent).toEqual([{ topic, partition: 0, baseOffset: 0, recordCount: 3 }])
    const records = await kafka.waitForMessages(topic, 3)
    expect(records.map((r) => [r.offset, r.key?.toString() ?? null, r.value!.toString()])).toEqual([
      [0, null, 'a'],
      [1, null, 'b'],
      [2, 'k', 'c'],
    ])
    expect(records[2]!.headers.map(([name, value]) => [name, value!.toString()])).toEqual([['trace', 't-1']])
  })

  it('waitForMessages rejects with SAMSA_TIMEOUT, saying how many arrived, when too few do', async () => {
    const topic = await kafka.topic()
    await kafka.produceAndWait(topic, ['only one'])
    const started = Date.now()
    await expect(waitForMessages(kafka.bootstrapServers, topic, 2, { timeoutMs: 500 })).rejects.toMatchObject({
      code: 'SAMSA_TIMEOUT',
      message: expect.stringContaining(`Waited 500 ms for 2 message(s) on topic '${topic}', 1 arrived`),
    })
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it("from 'latest' waits only for messages produced after it started", async () => {
    const topic = await kafka.topic()
    await kafka.produceAndWait(topic, ['old'])
    let done = false
    const waiting = kafka.waitForMessages(topic, 1, { from: 'latest', timeoutMs: 30_000 }).finally(() => {
      done = true
    })
    // The reader finds the log end before its first fetch; produce until a message lands after
    // that point (the first may race it and so count as old).
    const producing = (async () => {
      for (let i = 0; !done && i < 200; i++) await kafka.produceAndWait(topic, [`new-${i}`])
    })()
    const fresh = (await waiting).map((r) => r.value!.toString())
    await producing
    expect(fresh).toHaveLength(1)
    expect(fresh[0]).toMatch(/^new-\d+$/)
  })

  it('refuses to hand out the broker outside the hooks, and to run without hooks', async () => {
    const stray = useBroker({ hooks: { beforeAll: () => undefined, afterAll: () => undefined } })
    expect(() => stray.bootstrapServers).toThrow(/runs from beforeAll to afterAll/)
    expect(() => useBroker()).toThrow(/found no global beforeAll\/afterAll.*hooks: \{ beforeAll, afterAll \}/)
  })
})
