/**
 * The HTTP gateway in a cluster (etcd and three broker processes, each with its own gateway):
 * any broker's gateway serves the whole cluster. It forwards produce to partitions led elsewhere
 * to their leaders over the Kafka protocol, reads them with Fetches to their leaders, reaches a
 * group's coordinator wherever it runs, and keeps its answers honest while a leader dies: every
 * acknowledged record survives, the other records get retriable errors, nothing hangs.
 */
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StreamClient } from '../../bench/gateway/ws-client.js'
import { Cluster } from '../../src/client/cluster.js'
import { readWithKcat } from '../helpers/clients.js'
import { type TestCluster, startCluster } from '../helpers/cluster.js'
import { freePort } from '../helpers/free-ports.js'
import { waitForFullIsr } from '../helpers/partition-state.js'
import { BINARY_V2, JSON_V2, V2, rest } from '../helpers/rest-client.js'

const DEADLINE = 30_000
/** The gateway's produce timeout here, so the failover test can say "nothing hangs past it". */
const PRODUCE_TIMEOUT_MS = 15_000

let cluster: TestCluster
let kafka: Kafka
const httpPorts: Record<number, number> = {}
const gateway = (nodeId: number): string => `http://127.0.0.1:${httpPorts[nodeId]}/`
const streams: StreamClient[] = []

/** One partition on each broker: partition p is led by broker p + 1. */
const spread = (partitions: number): Array<{ partition: number; replicas: number[] }> =>
  Array.from({ length: partitions }, (_, partition) => ({ partition, replicas: [(partition % 3) + 1] }))

beforeAll(async () => {
  for (const nodeId of [1, 2, 3]) httpPorts[nodeId] = await freePort()
  cluster = await startCluster({ brokers: 3, httpPorts, settings: { 'http.producer.request.timeout.ms': PRODUCE_TIMEOUT_MS } })
  kafka = new Kafka({ brokers: cluster.bootstrap.split(','), clientId: 'gateway-cluster', logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } })
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'spread', replicaAssignment: spread(3) },
        { topic: 'consumed', replicaAssignment: spread(3) },
        { topic: 'streamed', replicaAssignment: [{ partition: 0, replicas: [2] }, { partition: 1, replicas: [3] }] },
        // Led by broker 2, which the last test kills; brokers 1 and 3 hold in-sync copies.
        { topic: 'failover', replicaAssignment: [{ partition: 0, replicas: [2, 1, 3] }], configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
      ],
    })
  } finally {
    await admin.disconnect()
  }
  await waitForFullIsr(cluster, 'failover')
  // Broker 1's gateway acts on its own metadata: wait until it knows every leader.
  await cluster.waitUntil(async () => {
    for (const topic of ['spread', 'consumed', 'streamed', 'failover']) {
      const partitions = (await rest(gateway(1), `/topics/${topic}/partitions`, { accept: V2 })).body
      if (!Array.isArray(partitions) || partitions.some((p: { leader: number }) => p.leader < 0)) return false
    }
    return true
  }, 'broker 1 to know every leader')
}, 120_000)

afterAll(async () => {
  for (const stream of streams) stream.terminate()
  await cluster?.close()
})

describe('the HTTP gateway in a cluster', () => {
  it('takes a produce for partitions led by all three brokers, and kcat reads back exactly what it acknowledged', async () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ key: `key-${i}`, value: { seq: i } }))
    const response = await rest(gateway(1), '/topics/spread', { body: { records }, contentType: JSON_V2, accept: V2 })
    expect(response.status).toBe(200)
    const offsets = response.body.offsets as Array<{ partition: number; offset: number | null; error_code: number | null }>
    expect(offsets.filter((o) => o.error_code !== null)).toEqual([])
    expect(new Set(offsets.map((o) => o.partition))).toEqual(new Set([0, 1, 2]))

    const acknowledged = offsets.map((o, i) => `${o.partition}/${o.offset}/${JSON.stringify(records[i]!.value)}`).sort()
    const read = await readWithKcat(cluster.bootstrap, 'spread')
    expect(read.map((r) => `${r.partition}/${r.offset}/${r.value!.toString()}`).sort()).toEqual(acknowledged)

    // Broker 1's REST API answers for broker 3's partition too: its offsets, and its records from an offset.
    const onThree = read.filter((r) => r.partition === 2)
    expect((await rest(gateway(1), '/topics/spread/partitions/2/offsets', { accept: V2 })).body).toEqual({ beginning_offset: 0, end_offset: onThree.length })
    const fromOne = await rest(gateway(1), '/topics/spread/partitions/2/records?offset=1&max_bytes=100000', { accept: JSON_V2 })
    expect(fromOne.status).toBe(200)
    expect(fromOne.body.map((r: { offset: number; value: unknown }) => [r.offset, JSON.stringify(r.value)])).toEqual(onThree.slice(1).map((r) => [r.offset, r.value!.toString()]))
  })

  it('serves a consumer instance on broker 1 for a group another broker coordinates: every record once, commits kafkajs sees, console lag and reset', async () => {
    const group = await groupCoordinatedElsewhere(1)
    const producer = kafka.producer()
    await producer.connect()
    try {
      await producer.send({ topic: 'consumed', messages: Array.from({ length: 60 }, (_, i) => ({ value: `m${i}`, partition: i % 3 })) })
    } finally {
      await producer.disconnect()
    }

    const created = await rest(gateway(1), `/consumers/${group.groupId}`, { body: { name: 'remote', format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' }, contentType: V2, accept: V2 })
    expect(created.status).toBe(200)
    const base = `/consumers/${group.groupId}/instances/remote`
    expect((await rest(gateway(1), `${base}/subscription`, { body: { topics: ['consumed'] }, contentType: V2 })).status).toBe(204)
    const values: string[] = []
    const deadline = Date.now() + DEADLINE
    while (values.length < 60 && Date.now() < deadline) {
      const read = await rest(gateway(1), `${base}/records?timeout=1000`, { accept: BINARY_V2 })
      expect(read.status).toBe(200)
      for (const record of read.body as Array<{ value: string }>) values.push(Buffer.from(record.value, 'base64').toString())
    }
    expect(values.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`).sort())

    expect((await rest(gateway(1), `${base}/offsets`, { method: 'POST', contentType: V2 })).status).toBe(200)
    expect(await committedByKafkajs(group.groupId, 'consumed')).toEqual([[0, '20'], [1, '20'], [2, '20']])
    expect((await rest(gateway(1), base, { method: 'DELETE' })).status).toBe(204)

    // Broker 1's console lists the group (from its coordinator's ListGroups) with its lag from the leaders.
    await cluster.waitUntil(async () => {
      const listed = (await rest(gateway(1), '/api/groups')).body?.groups as Array<{ groupId: string; totalLag: number }> | undefined
      return listed?.some((g) => g.groupId === group.groupId && g.totalLag === 0) === true
    }, `broker 1's console to list group ${group.groupId} with lag 0`)

    // The group is empty now: broker 1's console resets its offsets at its coordinator, and kafkajs sees them.
    const reset = await rest(gateway(1), `/api/groups/${group.groupId}/offsets/reset`, { body: { to: 'earliest' }, contentType: 'application/json' })
    expect(reset.status).toBe(200)
    expect(await committedByKafkajs(group.groupId, 'consumed')).toEqual([[0, '0'], [1, '0'], [2, '0']])
  })

  it('streams partitions led by brokers 2 and 3 over a WebSocket on broker 1, from before and after subscribing, and as a member of a group another broker coordinates', async () => {
    const producer = kafka.producer()
    await producer.connect()
    try {
      await producer.send({ topic: 'streamed', messages: [0, 1, 2, 3].map((i) => ({ value: `before-${i}`, partition: i % 2 })) })
      const stream = await StreamClient.connect(new URL('v1/ws/topics/streamed?offset=earliest&format=text', gateway(1).replace(/^http/, 'ws')).toString())
      streams.push(stream)
      expect(await stream.next('subscribed', DEADLINE)).toMatchObject({ partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] })
      await stream.waitFor(() => stream.recordCount >= 4, DEADLINE, 'the 4 records produced before subscribing')
      // These arrive while the stream's Fetches are parked at the leaders.
      await producer.send({ topic: 'streamed', messages: [0, 1, 2, 3].map((i) => ({ value: `after-${i}`, partition: i % 2 })) })
      await stream.waitFor(() => stream.recordCount >= 8, DEADLINE, 'the 4 records produced after subscribing')
      const received = stream.records.map((r) => `${r.partition}/${r.offset}/${r.value}`).sort()
      expect(received).toEqual(['0/0/before-0', '0/1/before-2', '0/2/after-0', '0/3/after-2', '1/0/before-1', '1/1/before-3', '1/2/after-1', '1/3/after-3'])

      // As a member of a group another broker coordinates: the same records, through the group's assignment.
      const group = await groupCoordinatedElsewhere(1, 'ws-group')
      const member = await StreamClient.connect(new URL(`v1/ws/topics/streamed?group=${group.groupId}&offset=earliest&format=text`, gateway(1).replace(/^http/, 'ws')).toString())
      streams.push(member)
      await member.waitFor(() => member.recordCount >= 8, DEADLINE, "the group's 8 records")
      expect(member.records.map((r) => `${r.partition}/${r.offset}/${r.value}`).sort()).toEqual(received)
    } finally {
      await producer.disconnect()
    }
  })

  it("shows every partition's end offset in broker 1's console, from the partitions' leaders", async () => {
    const read = await readWithKcat(cluster.bootstrap, 'spread')
    const ends = [0, 1, 2].map((p) => read.filter((r) => r.partition === p).length)
    const topic = await rest(gateway(1), '/api/topics/spread')
    expect(topic.status).toBe(200)
    expect(topic.body.partitionDetails.map((p: { partition: number; leader: number; startOffset: number; endOffset: number }) => [p.partition, p.leader, p.startOffset, p.endOffset])).toEqual([
      [0, 1, 0, ends[0]],
      [1, 2, 0, ends[1]],
      [2, 3, 0, ends[2]],
    ])
    expect(topic.body.messages).toBe(300)
    // Sizes: known for the replica broker 1 holds, unknown ('–') for the others, so the topic's is a lower bound.
    expect(topic.body.partitionDetails.map((p: { sizeBytes: number | null }) => p.sizeBytes !== null)).toEqual([true, false, false])
    expect(topic.body.sizePartial).toBe(true)
    const listed = (await rest(gateway(3), '/api/topics')).body.topics.find((t: { name: string }) => t.name === 'spread')
    expect(listed).toMatchObject({ endOffset: 300, messages: 300 })

    // The message browser reads a partition broker 1 does not lead, as kcat reads it.
    const browsed = await rest(gateway(1), '/api/topics/spread/partitions/2/records?offset=0&limit=5')
    expect(browsed.status).toBe(200)
    const expected = read.filter((r) => r.partition === 2).slice(0, 5).map((r) => [r.offset, r.value!.toString('base64')])
    expect(browsed.body.records.map((r: { offset: number; value: string }) => [r.offset, r.value])).toEqual(expected)
    expect(browsed.body.endOffset).toBe(ends[2])
  })

  it('loses no acknowledged record when the leader is killed during REST produce; the rest get retriable errors and nothing hangs', async () => {
    const acknowledged: string[] = []
    const refusals: Array<number | null> = []
    const durations: number[] = []
    let killedAt = Number.POSITIVE_INFINITY
    let acknowledgedAfterKill = 0
    let batch = 0
    const produceLoop = async (): Promise<void> => {
      while (Date.now() < killedAt + 40_000 && acknowledgedAfterKill < 10) {
        const n = batch++
        const records = Array.from({ length: 10 }, (_, i) => ({ value: `b${n}-${i}` }))
        const started = Date.now()
        const response = await rest(gateway(1), '/topics/failover', { body: { records }, contentType: JSON_V2, accept: V2 })
        durations.push(Date.now() - started)
        expect(response.status).toBe(200)
        for (const [i, o] of (response.body.offsets as Array<{ partition: number; offset: number | null; error_code: number | null }>).entries()) {
          if (o.error_code === null) {
            acknowledged.push(`${o.partition}/${o.offset}/${JSON.stringify(records[i]!.value)}`)
            if (started > killedAt) acknowledgedAfterKill++
          } else {
            refusals.push(o.error_code)
          }
        }
      }
    }
    const loops = [produceLoop(), produceLoop()]
    await cluster.waitUntil(() => acknowledged.length >= 100, 'REST produce to be acknowledged before the kill')
    killedAt = Date.now()
    await cluster.kill(2)
    await Promise.all(loops)

    expect(acknowledgedAfterKill).toBeGreaterThanOrEqual(10)
    // Retriable (50003) or nothing: no request failed for good.
    expect(refusals.filter((code) => code !== 50003)).toEqual([])
    // Each request ends within the produce timeout plus the leader's network margin.
    expect(Math.max(...durations)).toBeLessThan(PRODUCE_TIMEOUT_MS + 6_000)

    const read = new Set((await readWithKcat(`${cluster.broker(1).bootstrap},${cluster.broker(3).bootstrap}`, 'failover')).map((r) => `${r.partition}/${r.offset}/${r.value!.toString()}`))
    const lost = acknowledged.filter((record) => !read.has(record))
    expect(lost).toEqual([])
  }, 120_000)
})

/** `[partition, offset]` of a group's commits on `topic`, as kafkajs's admin reads them. */
async function committedByKafkajs(groupId: string, topic: string): Promise<Array<[number, string]>> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return committed!.partitions.map((p): [number, string] => [p.partition, p.offset]).sort((a, b) => a[0] - b[0])
  } finally {
    await admin.disconnect()
  }
}

/** A group whose coordinator (by FindCoordinator) is not broker `notOn`. */
async function groupCoordinatedElsewhere(notOn: number, prefix = 'remote-group'): Promise<{ groupId: string; coordinator: number }> {
  const client = new Cluster({ bootstrapServers: cluster.bootstrap, clientId: 'coordinator-probe' })
  try {
    const byAddress = new Map(cluster.brokers.map((b, i) => [b.bootstrap, i + 1]))
    for (let i = 0; i < 50; i++) {
      const groupId = `${prefix}-${i}`
      const connection = await client.coordinator(groupId)
      const coordinator = byAddress.get(connection.address) ?? -1
      if (coordinator !== notOn && coordinator > 0) return { groupId, coordinator }
    }
  } finally {
    client.close()
  }
  throw new Error(`no group among 50 is coordinated away from broker ${notOn}`)
}
