/**
 * The gateway's remote paths against a real broker: a gateway that believes it is another broker
 * (node id 999) reaches the real one over the Kafka protocol, as it reaches a partition's leader
 * or a group's coordinator in a cluster. What it gets must be what the local services give.
 */
import { type AddressInfo, type Socket, connect, createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PeerEndpoint } from '../../../src/broker/cluster-view.js'
import type { BrokerContext } from '../../../src/broker/broker-context.js'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import { GroupCoordinators } from '../../../src/gateway/records/group-coordinator-service.js'
import { GroupMember } from '../../../src/gateway/records/group-member.js'
import { appendAtLeaders } from '../../../src/gateway/records/leader-appends.js'
import { PartitionPositions } from '../../../src/gateway/records/partition-positions.js'
import { PartitionReader } from '../../../src/gateway/records/partition-reader.js'
import { PeerBrokers } from '../../../src/broker/peer-brokers.js'
import { RemoteGroupCoordinator } from '../../../src/gateway/records/remote-group-coordinator.js'
import { ApiKeys, encodeRecordBatch } from '../../../src/protocol/index.js'
import type { ReplicaManager } from '../../../src/replication/replica-manager.js'
import { WorkerPool } from '../../../src/workers/pool.js'
import { type InProcessBroker, startInProcessBroker } from '../../helpers/in-process-broker.js'

const TOPIC = 'remote'
const OTHER = 999
let fixture: InProcessBroker
let context: BrokerContext
/** The broker's services as a gateway on broker 999 sees them: it leads nothing and coordinates nothing. */
let elsewhere: BrokerContext
let pool: WorkerPool
let peers: PeerBrokers

const batch = (values: string[]): Buffer => encodeRecordBatch({ baseTimestamp: 1_760_000_000_000, records: values.map((v) => ({ key: null, value: Buffer.from(v) })) })

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'num.partitions': 2, 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 2 })
  context = fixture.broker.context
  await fixture.createTopics(TOPIC)
  const notLeader = { leaderPartition: () => context.nodeId } as unknown as ReplicaManager
  elsewhere = { ...context, nodeId: OTHER, replicas: notLeader }
  pool = new WorkerPool({ maxThreads: 1 })
  peers = new PeerBrokers(OTHER, context.peerEndpoint)
})

afterAll(async () => {
  peers?.close()
  await pool?.close()
  await fixture?.stop()
})

describe("the gateway's remote paths", () => {
  it('never sends a request to its own broker', async () => {
    const own = new PeerBrokers(context.nodeId, context.peerEndpoint)
    const refused = await own.request(context.nodeId, ApiKeys.ListGroups, {}, { timeoutMs: 1000 }).catch((error: unknown) => error)
    expect(SamsaError.is(refused, ErrorCodes.CLUSTER)).toBe(true)
    own.close()
  })

  it('forwards batches to the leader with acks=all and reports the offsets the leader gave', async () => {
    const first = await appendAtLeaders(elsewhere, peers, TOPIC, [{ index: 0, records: batch(['a', 'b', 'c']) }, { index: 1, records: batch(['d']) }], 5000)
    expect(first.get(0)).toMatchObject({ errorCode: 0, baseOffset: 0 })
    expect(first.get(1)).toMatchObject({ errorCode: 0, baseOffset: 0 })
    const second = await appendAtLeaders(elsewhere, peers, TOPIC, [{ index: 0, records: batch(['e', 'f']) }], 5000)
    expect(second.get(0)).toMatchObject({ errorCode: 0, baseOffset: 3 })
    expect(context.replicas.partition(TOPIC, 0)!.highWatermark).toBe(5)
  })

  it('reads remote partitions with a Fetch to the leader into the same display records as a local read', async () => {
    const local = new PartitionReader({ replicas: context.replicas, pool, fetchMaxBytes: 1024 * 1024 })
    const remote = new PartitionReader({ replicas: context.replicas, pool, fetchMaxBytes: 1024 * 1024, remote: { nodeId: OTHER, metadata: context.metadata, peers } })
    const request = { topic: TOPIC, positions: [{ partition: 0, offset: 1 }, { partition: 1, offset: 0 }], format: 'text' as const }
    const [here, there] = await Promise.all([local.readJson(request), remote.readJson(request)])
    expect(JSON.parse(there.output)).toEqual(JSON.parse(here.output))
    expect(JSON.parse(there.output).map((r: { value: string }) => r.value)).toEqual(['b', 'c', 'e', 'f', 'd'])
    expect(there.partitions).toEqual(here.partitions)
    expect(there.partitions.map((p) => p.nextOffset)).toEqual([5, 1])
  })

  it('reads partitions led here and elsewhere in one read, each from its leader, as one local read would', async () => {
    // Partition 0 led "here" (by broker 999, whose replicas are the real broker's), partition 1 elsewhere.
    const split = { ...context.metadata, partitionState: (topic: string, partition: number) => {
      const state = context.metadata.partitionState(topic, partition)
      return state === undefined ? undefined : { ...state, leader: partition === 0 ? OTHER : state.leader }
    } } as typeof context.metadata
    const local = new PartitionReader({ replicas: context.replicas, pool, fetchMaxBytes: 1024 * 1024 })
    const mixed = new PartitionReader({ replicas: context.replicas, pool, fetchMaxBytes: 1024 * 1024, remote: { nodeId: OTHER, metadata: split, peers } })
    const request = { topic: TOPIC, positions: [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }], format: 'text' as const }
    const [here, both] = await Promise.all([local.readRecords(request), mixed.readRecords(request)])
    expect(both.output.map((r) => `${r.partition}/${r.offset}/${r.value}`).sort()).toEqual(here.output.map((r) => `${r.partition}/${r.offset}/${r.value}`).sort())
    expect(both.partitions).toEqual(here.partitions)

    // Waiting on both: a record at the remote one ends the local wait too.
    const started = Date.now()
    const waiting = mixed.readRecords({ ...request, positions: [{ partition: 0, offset: 5 }, { partition: 1, offset: 1 }], maxWaitMs: 20_000 })
    await appendAtLeaders(context, peers, TOPIC, [{ index: 1, records: batch(['late']) }], 5000)
    const woken = await waiting
    expect(woken.output.map((r) => `${r.partition}/${r.offset}/${r.value}`)).toEqual(['1/1/late'])
    expect(woken.partitions.map((p) => p.nextOffset)).toEqual([5, 2])
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('long-polls a remote partition through the Fetch wait, answering as soon as a record arrives', async () => {
    const remote = new PartitionReader({ replicas: context.replicas, pool, fetchMaxBytes: 1024 * 1024, remote: { nodeId: OTHER, metadata: context.metadata, peers } })
    const started = Date.now()
    const read = remote.readRecords({ topic: TOPIC, positions: [{ partition: 1, offset: 2 }], format: 'text', maxWaitMs: 20_000 })
    await appendAtLeaders(context, peers, TOPIC, [{ index: 1, records: batch(['later']) }], 5000)
    const result = await read
    expect(result.output.map((r) => r.value)).toEqual(['later'])
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('finds start, end and time offsets at the leader with ListOffsets, as the local lookup does', async () => {
    const remote = new PartitionPositions(elsewhere, peers)
    const local = new PartitionPositions(context, peers)
    expect(await remote.bounds(TOPIC, 0)).toEqual(await local.bounds(TOPIC, 0))
    expect(await remote.bounds(TOPIC, 0)).toEqual({ beginning: 0, end: 5 })
    // Every partition of several topics in two requests to the leader, for the console's lists.
    expect(await remote.boundsOfTopics([{ topic: TOPIC, partitions: [0, 1] }])).toEqual(await local.boundsOfTopics([{ topic: TOPIC, partitions: [0, 1] }]))
    expect((await remote.boundsOfAll(TOPIC, [0, 1])).get(1)).toEqual({ beginning: 0, end: 3 })
    expect(await remote.offsetAtTime(TOPIC, 0, 1_760_000_000_000)).toBe(0)
    // No record at or after a future time: the end, as a consumer seeking there ends up.
    expect(await remote.offsetAtTime(TOPIC, 0, 4_000_000_000_000)).toBe(5)
  })

  it('re-reads the leader from the metadata and retries while leadership moves, within the timeout', async () => {
    // The metadata first names a broker that is gone (777), then the real leader, as during a failover.
    let asked = 0
    const moving = {
      ...context.metadata,
      partitionState: (topic: string, partition: number) => {
        const state = context.metadata.partitionState(topic, partition)
        return state === undefined ? undefined : { ...state, leader: asked++ < 3 ? 777 : state.leader }
      },
      topic: (name: string) => context.metadata.topic(name),
    } as typeof context.metadata
    const failingOver = { ...elsewhere, metadata: moving }
    const started = Date.now()
    const moved = await appendAtLeaders(failingOver, peers, TOPIC, [{ index: 1, records: batch(['moved']) }], 5000)
    expect(moved.get(1)).toMatchObject({ errorCode: 0, baseOffset: 3 })
    expect(asked).toBe(4)
    expect(Date.now() - started).toBeLessThan(5000)

    // A leader that never comes: the last error stands once the timeout is spent, and nothing is written.
    const nowhere = { ...elsewhere, metadata: { ...moving, partitionState: () => ({ ...context.metadata.partitionState(TOPIC, 1)!, leader: -1 }) } as typeof context.metadata }
    const refused = await appendAtLeaders(nowhere, peers, TOPIC, [{ index: 1, records: batch(['never']) }], 500)
    expect(refused.get(1)).toMatchObject({ errorCode: 5 })
    expect(context.replicas.partition(TOPIC, 1)!.highWatermark).toBe(4)
  })

  it('gives up on a leader that stops answering within the request timeout plus the network margin', async () => {
    const endpoint = context.cluster.broker(context.nodeId)!
    const proxy = await freezableProxy(endpoint.host, endpoint.port)
    const view = (id: number): PeerEndpoint | undefined => (id === 5 ? { brokerId: 5, host: '127.0.0.1', port: proxy.port, tls: null } : undefined)
    const ledBy5 = { ...elsewhere, metadata: { ...context.metadata, partitionState: (topic: string, partition: number) => ({ ...context.metadata.partitionState(topic, partition)!, leader: 5 }) } as typeof context.metadata }
    const connected = new PeerBrokers(OTHER, view)
    const fresh = new PeerBrokers(OTHER, view)
    try {
      // Connected while the leader answered; then it goes silent (as a SIGSTOPped broker does).
      expect((await appendAtLeaders(ledBy5, connected, TOPIC, [{ index: 0, records: batch(['before']) }], 1000)).get(0)).toMatchObject({ errorCode: 0 })
      proxy.freeze()
      let started = Date.now()
      const sent = await appendAtLeaders(ledBy5, connected, TOPIC, [{ index: 0, records: batch(['silent']) }], 1000)
      // Sent and unanswered: its fate is unknown, so it is not sent again (REQUEST_TIMED_OUT, retriable for the client).
      expect(sent.get(0)).toMatchObject({ errorCode: 7 })
      expect(Date.now() - started).toBeLessThan(1000 + 2000 + 1500)

      // A new connection to the silent broker never opens: nothing was sent, so it is "not the leader" until the time is up.
      started = Date.now()
      const unsent = await appendAtLeaders(ledBy5, fresh, TOPIC, [{ index: 0, records: batch(['unsent']) }], 1000)
      expect(unsent.get(0)).toMatchObject({ errorCode: 6 })
      expect(Date.now() - started).toBeLessThan(1000 + 2000 + 1500)
    } finally {
      connected.close()
      fresh.close()
      proxy.close()
    }
  })

  it('joins a group through Kafka requests to its coordinator and shares it with a member joined locally', async () => {
    const remoteCoordinators = new GroupCoordinators(elsewhere, peers)
    await remoteCoordinators.ensureOffsetsTopic()
    expect(remoteCoordinators.forGroup('shared')).toBeInstanceOf(RemoteGroupCoordinator)
    const overTheWire = new GroupMember(elsewhere, { groupId: 'shared', clientId: 'remote', clientHost: '127.0.0.1', heartbeatIntervalMs: 100 }, remoteCoordinators)
    const inProcess = new GroupMember(context, { groupId: 'shared', clientId: 'local', clientHost: '127.0.0.1', heartbeatIntervalMs: 100 })
    try {
      await overTheWire.subscribe([TOPIC])
      expect(overTheWire.assignment.map((a) => a.partition).sort()).toEqual([0, 1])
      await inProcess.subscribe([TOPIC])
      // The remote member learns of the rebalance from its heartbeat and rejoins.
      await until(async () => overTheWire.assignment.length === 1 && inProcess.assignment.length === 1 && (await describe()).members.length === 2, 'both members holding one partition each')
      expect([...overTheWire.assignment, ...inProcess.assignment].map((a) => a.partition).sort()).toEqual([0, 1])

      // The coordinator knows the remote member by its own client id, not the gateway's.
      expect((await describe()).members.map((m) => m.clientId).sort()).toEqual(['local', 'remote'])

      const mine = overTheWire.assignment[0]!
      expect(await overTheWire.commit([{ ...mine, offset: 2, metadata: 'over the wire' }])).toEqual([{ ...mine, errorCode: 0 }])
      expect(await inProcess.committed([mine])).toEqual([{ ...mine, offset: 2, metadata: 'over the wire' }])
      const listed = await remoteCoordinators.forGroup('shared').listGroups([], [])
      expect(listed.groups.map((g) => g.groupId)).toContain('shared')

      overTheWire.close()
      await until(() => inProcess.assignment.length === 2, 'the local member taking both partitions after the remote one left')
    } finally {
      overTheWire.close()
      inProcess.close()
    }

    function describe() {
      return new RemoteGroupCoordinator(peers, context.nodeId).describeGroup('shared')
    }
  })
})

/** A TCP proxy to the broker that can go silent: it then forwards nothing either way, keeping the sockets open. */
async function freezableProxy(host: string, port: number): Promise<{ port: number; freeze(): void; close(): void }> {
  let frozen = false
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect({ host, port })
    sockets.add(client).add(upstream)
    client.on('data', (data) => { if (!frozen) upstream.write(data) })
    upstream.on('data', (data) => { if (!frozen) client.write(data) })
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    freeze: () => {
      frozen = true
    },
    close: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    },
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
