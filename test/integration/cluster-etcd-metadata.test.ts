/**
 * Topic and partition state in etcd (src/cluster/cluster-metadata-store.ts), the cluster id and
 * producer-id blocks: conditional writes that report a stale read as data, a watched view that
 * another broker's writes reach (and that survives etcd compacting the history it watches from),
 * and producer-id blocks that never overlap; group configs that every broker sees.
 */
import { type AddressInfo, type Socket, connect as connectTcp, createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import {
  BrokerRegistry,
  ClusterMetadataStore,
  type Compare,
  ControllerElection,
  EtcdConnection,
  type MetadataChange,
  ProducerIdBlocks,
  ensureClusterId,
} from '../../src/cluster/index.js'
import { EtcdMetadataStore } from '../../src/cluster/etcd-metadata-store.js'
import { etcdPerFile } from '../helpers/etcd.js'

const etcdFile = etcdPerFile('samsa-metadata', 5000)
const connect = etcdFile.connect

async function store(connection: EtcdConnection): Promise<ClusterMetadataStore> {
  const s = new ClusterMetadataStore(connection)
  etcdFile.track(s)
  await s.start()
  return s
}

/** Registers broker 1 and makes it controller; returns its write guard. */
async function becomeController(connection: EtcdConnection): Promise<Compare> {
  const registry = new BrokerRegistry(connection, { nodeId: 1, endpoints: [], sessionTimeoutMs: 5000 })
  const election = new ControllerElection(connection, registry)
  etcdFile.track(registry)
  etcdFile.track(election)
  await registry.start()
  await registry.register()
  const elected = new Promise<void>((resolve) => election.onElected(() => resolve()))
  await election.start()
  await elected
  return election.guard()
}

describe('cluster metadata in etcd', () => {
  it("shows a topic created by the controller in another broker's view, partitions included", async () => {
    const controller = await connect()
    const guard = await becomeController(controller)
    const writer = await store(controller)
    const reader = await store(await connect(controller.prefix))
    const seen: MetadataChange[] = []
    reader.onChange((changes) => seen.push(...changes))

    const created = await writer.createTopic(guard, { name: 'orders', assignment: [[1, 2, 3], [2, 3, 1]], configs: { 'retention.ms': '60000' } })
    expect(created.status).toBe('ok')
    if (created.status !== 'ok') return
    await reader.waitFor(() => reader.topic('orders') !== undefined, 10_000)

    expect(reader.topic('orders')).toMatchObject({ topicId: created.value.topicId, assignment: [[1, 2, 3], [2, 3, 1]], configs: { 'retention.ms': '60000' } })
    expect(reader.partitions(created.value.topicId).map((p) => [p.partition, p.leader, p.isr])).toEqual([[0, 1, [1, 2, 3]], [1, 2, [2, 3, 1]]])
    // The topic and its partitions arrive together: no partition event before its topic exists.
    expect(seen.map((c) => c.type)).toEqual(['topic-created'])
    // The name is taken now; the answer is data, with the existing topic.
    const again = await writer.createTopic(guard, { name: 'orders', assignment: [[1]] })
    expect(again).toMatchObject({ status: 'stale', current: { topicId: created.value.topicId } })
  })

  it('refuses a partition update based on a stale read and returns the current state', async () => {
    const controller = await connect()
    const guard = await becomeController(controller)
    const view = await store(controller)
    const created = await view.createTopic(guard, { name: 'payments', assignment: [[1, 2, 3]] })
    if (created.status !== 'ok') throw new Error(`create failed: ${created.status}`)
    const topicId = created.value.topicId
    await view.waitFor(() => view.partition(topicId, 0) !== undefined, 10_000)
    const read = view.partition(topicId, 0)!

    // Two decisions from the same read: the ISR shrink lands first...
    const shrink = await view.updatePartition(guard, topicId, 0, { ...read, isr: [1, 2], partitionEpoch: read.partitionEpoch + 1 }, read.modRevision)
    expect(shrink.status).toBe('ok')
    // ...so the leader change based on the old read must not overwrite it.
    const leaderChange = await view.updatePartition(
      guard, topicId, 0, { ...read, leader: 2, leaderEpoch: read.leaderEpoch + 1, partitionEpoch: read.partitionEpoch + 1 }, read.modRevision,
    )
    expect(leaderChange).toMatchObject({ status: 'stale', current: { leader: 1, isr: [1, 2], partitionEpoch: 1 } })

    // Re-deciding from the current state succeeds.
    if (leaderChange.status !== 'stale') return
    const current = leaderChange.current!
    const retried = await view.updatePartition(guard, topicId, 0, { ...current, leader: 2, leaderEpoch: 1, partitionEpoch: 2 }, current.modRevision)
    expect(retried.status).toBe('ok')
    await view.waitFor(() => view.partition(topicId, 0)?.partitionEpoch === 2, 10_000)
    expect(view.partition(topicId, 0)).toMatchObject({ leader: 2, leaderEpoch: 1, isr: [1, 2] })
  })

  it('creates a topic with more partitions than one etcd transaction may hold, visible in one step', async () => {
    const controller = await connect()
    const guard = await becomeController(controller)
    const view = await store(controller)
    const seen: MetadataChange[] = []
    view.onChange((changes) => seen.push(...changes))
    const assignment = Array.from({ length: 300 }, (_, p) => [1 + (p % 3), 1 + ((p + 1) % 3)])

    const created = await view.createTopic(guard, { name: 'wide', assignment })
    expect(created.status).toBe('ok')
    await view.waitFor(() => view.topic('wide') !== undefined, 10_000)
    expect(view.partitions(view.topic('wide')!.topicId)).toHaveLength(300)
    expect(seen.map((c) => c.type)).toEqual(['topic-created'])
  })

  it('keeps the view converging after etcd compacts the history it was watching from', async () => {
    const controller = await connect()
    const guard = await becomeController(controller)
    const writer = await store(controller)
    // The reader reaches etcd through a proxy the test can cut, so only its watch breaks.
    const proxy = await cuttableProxy(new URL(etcdFile.etcd().endpoints[0]!).port)
    const readerConnection = await EtcdConnection.connect({ endpoints: [proxy.url], prefix: controller.prefix, callTimeoutMs: 2000 })
    etcdFile.track(readerConnection)
    const reader = await store(readerConnection)
    const created = await writer.createTopic(guard, { name: 'events', assignment: [[1]] })
    if (created.status !== 'ok') throw new Error(`create failed: ${created.status}`)
    const topicId = created.value.topicId
    await reader.waitFor(() => reader.partition(topicId, 0) !== undefined, 10_000)
    let state = reader.partition(topicId, 0)!

    // While the reader is cut off, the partition changes 20 times and etcd drops that history.
    proxy.cut()
    for (let epoch = 1; epoch <= 20; epoch++) {
      const result = await writer.updatePartition(guard, topicId, 0, { ...state, partitionEpoch: epoch }, state.modRevision)
      if (result.status !== 'ok') throw new Error(`update failed: ${result.status}`)
      state = result.value
    }
    await controller.compact(state.modRevision)
    expect(reader.partition(topicId, 0)!.partitionEpoch).toBe(0)

    // Reconnected, the reader cannot resume where it stopped; it re-reads and converges.
    proxy.heal()
    await reader.waitFor(() => reader.partition(topicId, 0)?.partitionEpoch === 20, 20_000)
    expect(reader.partition(topicId, 0)!.modRevision).toBe(state.modRevision)
    expect(reader.resyncs).toBe(1)

    // And it follows later changes through its new watch.
    const next = await writer.updatePartition(guard, topicId, 0, { ...state, partitionEpoch: 21 }, state.modRevision)
    expect(next.status).toBe('ok')
    await reader.waitFor(() => reader.partition(topicId, 0)?.partitionEpoch === 21, 10_000)
    proxy.close()
  })
})

/** A TCP forwarder to etcd that can drop every connection and refuse new ones until healed. */
async function cuttableProxy(targetPort: string): Promise<{ url: string; cut(): void; heal(): void; close(): void }> {
  const sockets = new Set<Socket>()
  let open = true
  const server = createServer((client) => {
    if (!open) return void client.destroy()
    const upstream = connectTcp(Number(targetPort), '127.0.0.1')
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(a)
      a.on('error', () => b.destroy())
      a.on('close', () => { sockets.delete(a); b.destroy() })
      a.pipe(b)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      open = false
      for (const socket of sockets) socket.destroy()
    },
    heal() {
      open = true
    },
    close() {
      proxy.cut()
      server.close()
    },
  }
  etcdFile.track(proxy)
  return proxy
}

describe('cluster id and producer ids', () => {
  it('gives every broker the same cluster id, whoever creates it', async () => {
    const a = await connect()
    const b = await connect(a.prefix)
    const [first, second] = await Promise.all([ensureClusterId(a), ensureClusterId(b)])
    expect(first).toBe(second)
    expect(await ensureClusterId(a)).toBe(first)
  })

  it('never hands out a producer id twice, even to concurrent allocators', async () => {
    const a = await connect()
    const b = await connect(a.prefix)
    const allocators = [new ProducerIdBlocks(a), new ProducerIdBlocks(b)]
    const starts = await Promise.all(Array.from({ length: 40 }, (_, i) => allocators[i % 2]!.allocateProducerIds()))
    const sorted = [...starts].sort((x, y) => x - y)
    // 40 blocks of 1000 with no overlap and no gap: exactly 0, 1000, ..., 39000.
    expect(sorted).toEqual(Array.from({ length: 40 }, (_, i) => i * 1000))
  })

  it("shows a group's configs written through one broker to another, loses no concurrent update, and removes emptied ones", async () => {
    const open = async (connection: EtcdConnection): Promise<EtcdMetadataStore> => {
      await ensureClusterId(connection)
      return etcdFile.track(await EtcdMetadataStore.open(connection, await store(connection)))
    }
    const first = await connect()
    const writer = await open(first)
    const reader = await open(await connect(first.prefix))
    // A group id may hold '/', which must not split the key.
    const group = 'team/orders'

    await Promise.all([
      writer.updateGroupConfigs(group, (current) => ({ ...current, 'share.auto.offset.reset': 'earliest' })),
      reader.updateGroupConfigs(group, (current) => ({ ...current, 'share.isolation.level': 'read_committed' })),
      writer.updateGroupConfigs('emptied', () => ({ 'consumer.session.timeout.ms': '50000' })),
    ])
    await writer.updateGroupConfigs('emptied', () => ({}))
    const both = { 'share.auto.offset.reset': 'earliest', 'share.isolation.level': 'read_committed' }
    const deadline = Date.now() + 10_000
    while (JSON.stringify(reader.groupConfigs(group)) !== JSON.stringify(both) || [...reader.groupsWithConfigs()].length !== 1) {
      expect(Date.now(), `reader shows ${JSON.stringify(reader.groupConfigs(group))}`).toBeLessThan(deadline)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(writer.groupConfigs(group)).toEqual(both)
    expect([...reader.groupsWithConfigs()]).toEqual([group])
    expect(reader.groupConfigs('emptied')).toEqual({})

    // A broker started later reads them from etcd.
    const later = await open(await connect(first.prefix))
    expect(later.groupConfigs(group)).toEqual(both)
  })
})
