/**
 * Cluster mode on a three-member etcd: losing one member, even the Raft leader, costs a pause of
 * a few seconds, not the broker's session or its controller role; losing two stops writes with a
 * clear error (that is what a quorum means), and they resume when a member comes back.
 */
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerRegistry, ClusterMetadataStore, ControllerElection, EtcdConnection, type PartitionView } from '../../src/cluster/index.js'
import { ErrorCodes, SamsaError } from '../../src/common/errors.js'
import { type EtcdCluster, startEtcd } from '../helpers/etcd.js'

/** Longer than an etcd leader election (~2 s here), as broker.session.timeout.ms (9 s) is. */
const SESSION_MS = 6000

let etcd: EtcdCluster
const toClose: Array<{ close(): unknown }> = []

beforeAll(async () => {
  etcd = await startEtcd({ members: 3 })
})

afterAll(async () => {
  for (const item of toClose.reverse()) await item.close()
})

/** Retries `write` until it succeeds; returns how long that took. */
async function timeUntilWritable(write: () => Promise<unknown>, limitMs: number): Promise<number> {
  const started = performance.now()
  for (;;) {
    try {
      await write()
      return performance.now() - started
    } catch (error) {
      if (!SamsaError.is(error, ErrorCodes.ETCD) || performance.now() - started > limitMs) throw error
    }
  }
}

describe('etcd member loss', () => {
  it('keeps the controller and its writes going when the etcd leader dies, and stops them without a quorum', async () => {
    const connection = await EtcdConnection.connect({ endpoints: etcd.endpoints, callTimeoutMs: 3000 })
    const registry = new BrokerRegistry(connection, { nodeId: 1, endpoints: [], sessionTimeoutMs: SESSION_MS })
    const election = new ControllerElection(connection, registry)
    const store = new ClusterMetadataStore(connection)
    toClose.push(connection, registry, election, store)
    await registry.start()
    await registry.register()
    const elected = new Promise<void>((resolve) => election.onElected(() => resolve()))
    await election.start()
    await elected
    await store.start()
    const lost: string[] = []
    registry.onLeaseLost((reason) => lost.push(reason))

    const created = await store.createTopic(election.guard(), { name: 'quorum', assignment: [[1]] })
    if (created.status !== 'ok') throw new Error(`create failed: ${created.status}`)
    const topicId = created.value.topicId
    await store.waitFor(() => store.partition(topicId, 0) !== undefined, 10_000)
    let epoch = 0
    const bump = async (): Promise<void> => {
      const current: PartitionView = store.partition(topicId, 0)!
      const result = await store.updatePartition(election.guard(), topicId, 0, { ...current, partitionEpoch: ++epoch }, current.modRevision)
      if (result.status !== 'ok') throw new Error(`update was ${result.status}`)
      await store.waitForRevision(result.revision, 10_000)
    }
    await bump()

    // One member down, and it is the Raft leader: a new etcd leader is elected and writes resume.
    const leader = await etcd.leader()
    await etcd.kill(leader)
    const recoveryMs = await timeUntilWritable(bump, 20_000)
    console.log(`writes after killing the etcd leader (member ${leader}): resumed in ${Math.round(recoveryMs)} ms`)
    expect(recoveryMs).toBeLessThan(15_000)
    expect(lost).toEqual([])
    expect(election.isController()).toBe(true)

    // Two of three down: no quorum, so writes fail, with an error naming etcd.
    const second = [0, 1, 2].find((m) => m !== leader)!
    await etcd.kill(second)
    const error = await bump().catch((e: unknown) => e)
    expect(SamsaError.is(error, ErrorCodes.ETCD)).toBe(true)
    expect((error as Error).message).toMatch(/etcd at http:\/\/127\.0\.0\.1:\d+/)

    // One member back: quorum again; the broker's session did not survive the outage, so it
    // registers again before it writes as controller again.
    const restartedAt = performance.now()
    await etcd.restart(second)
    if (!registry.isRegistered()) await timeUntilWritable(() => registry.register(), 20_000)
    await election.waitForController((c) => c?.nodeId === 1, 20_000)
    if (!election.isController()) await new Promise<void>((resolve) => election.onElected(() => resolve()))
    await timeUntilWritable(bump, 20_000)
    console.log(`quorum restored to next controller write: ${Math.round(performance.now() - restartedAt)} ms (lease lost: ${lost.join(', ') || 'no'})`)
  })
})
