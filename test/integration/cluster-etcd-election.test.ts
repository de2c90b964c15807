/**
 * Controller election through etcd (src/cluster/controller-election.ts): exactly one registered
 * broker is controller at a time, every broker knows which one, another takes over when the
 * controller resigns or dies, and a deposed controller can no longer write.
 */
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BrokerRegistry, ClusterMetadataStore, ControllerElection, EtcdConnection } from '../../src/cluster/index.js'
import { ErrorCodes, SamsaError } from '../../src/common/errors.js'
import { ensureClusterDistBuilt, startCandidate } from '../helpers/etcd-candidate.js'
import { type EtcdCluster, startEtcd } from '../helpers/etcd.js'

const SESSION_MS = 2000

let etcd: EtcdCluster
const toClose: Array<{ close(): unknown }> = []

beforeAll(async () => {
  ensureClusterDistBuilt()
  etcd = await startEtcd()
})

afterAll(async () => {
  for (const item of toClose.reverse()) await item.close()
})

interface Broker {
  readonly nodeId: number
  readonly connection: EtcdConnection
  readonly registry: BrokerRegistry
  readonly election: ControllerElection
}

let prefixCount = 0
const newPrefix = (): string => `/samsa-election-${++prefixCount}`

/** A broker in this process: its own connection, registry and election, like a real one. */
async function broker(prefix: string, nodeId: number, options: { campaign?: boolean; register?: boolean } = {}): Promise<Broker> {
  const connection = await EtcdConnection.connect({ endpoints: etcd.endpoints, prefix, callTimeoutMs: 3000 })
  const registry = new BrokerRegistry(connection, {
    nodeId,
    endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + nodeId, securityProtocol: 'PLAINTEXT' }],
    sessionTimeoutMs: SESSION_MS,
  })
  const election = new ControllerElection(connection, registry)
  toClose.push(connection, registry, election)
  await registry.start()
  if (options.register ?? true) await registry.register()
  await election.start({ campaign: options.campaign ?? true })
  return { nodeId, connection, registry, election }
}

/** Waits until every broker's view shows a controller other than `excluded`, checks they agree, returns it. */
async function agreedController(brokers: readonly Broker[], excluded?: number): Promise<Broker> {
  const acceptable = (id: number | undefined): boolean => id !== undefined && id !== excluded
  await Promise.all(brokers.map((b) => b.election.waitForController((c) => acceptable(c?.nodeId), 15_000)))
  const ids = new Set(brokers.map((b) => b.election.controller!.nodeId))
  expect([...ids]).toHaveLength(1)
  const winner = brokers.find((b) => ids.has(b.nodeId))
  if (winner !== undefined) await new Promise<void>((resolve) => (winner.election.isController() ? resolve() : winner.election.onElected(() => resolve())))
  return winner ?? brokers[0]!
}

describe('controller election', () => {
  it('elects exactly one of three candidates, and every broker knows which one', async () => {
    const prefix = newPrefix()
    const brokers = await Promise.all([1, 2, 3].map((id) => broker(prefix, id)))
    const winner = await agreedController(brokers)
    expect(brokers.filter((b) => b.election.isController()).map((b) => b.nodeId)).toEqual([winner.nodeId])
    const epoch = winner.election.epoch!
    for (const b of brokers) expect(b.election.controller).toMatchObject({ nodeId: winner.nodeId, epoch })
  })

  it('hands over when the controller resigns, with a higher epoch', async () => {
    const prefix = newPrefix()
    const brokers = await Promise.all([1, 2, 3].map((id) => broker(prefix, id)))
    const first = await agreedController(brokers)
    const firstEpoch = first.election.epoch!
    const resigned = new Promise((resolve) => first.election.onResigned(resolve))

    const started = performance.now()
    await first.election.resign()
    expect(await resigned).toBe('resigned')
    const others = brokers.filter((b) => b !== first)
    const second = await agreedController(brokers, first.nodeId)
    console.log(`takeover after resign: ${Math.round(performance.now() - started)} ms`)
    expect(others).toContain(second)
    expect(second.election.epoch!).toBeGreaterThan(firstEpoch)
    expect(first.election.isController()).toBe(false)
  })

  it('hands over within about one session timeout when the controller process is killed', async () => {
    const prefix = newPrefix()
    // Two candidates in child processes; this process only watches (registered, not campaigning).
    const observer = await broker(prefix, 100, { campaign: false })
    const candidates = [startCandidate(etcd.endpoints, prefix, 1, SESSION_MS), startCandidate(etcd.endpoints, prefix, 2, SESSION_MS)]
    await Promise.all(candidates.map((c) => c.line(/^registered /)))
    await observer.election.waitForController((c) => c !== undefined, 15_000)
    const first = observer.election.controller!
    const winner = candidates.find((c) => c.nodeId === first.nodeId)!
    const survivor = candidates.find((c) => c !== winner)!
    await winner.line(/^elected /)

    const killedAt = performance.now()
    await winner.kill()
    await observer.election.waitForController((c) => c?.nodeId === survivor.nodeId, 15_000)
    const takeoverMs = performance.now() - killedAt
    console.log(`takeover after SIGKILL of the controller: ${Math.round(takeoverMs)} ms (session ${SESSION_MS} ms)`)
    const [, epoch] = await survivor.line(/^elected (\d+)/)
    expect(Number(epoch)).toBe(observer.election.controller!.epoch)
    expect(Number(epoch)).toBeGreaterThan(first.epoch)
    expect(takeoverMs).toBeLessThan(SESSION_MS + 4000)
  })

  it("fails a deposed controller's guarded write, even when it has not noticed yet", async () => {
    const prefix = newPrefix()
    const a = await broker(prefix, 1)
    const b = await broker(prefix, 2)
    const first = await agreedController([a, b])
    const second = first === a ? b : a
    const staleGuard = first.election.guard()
    const store = new ClusterMetadataStore(first.connection)
    toClose.push(store)
    await store.start()
    expect((await store.createTopic(staleGuard, { name: 'before', assignment: [[1, 2]] })).status).toBe('ok')

    // The controller stalls (keepalives stop, as in a long GC pause) and loses its lease.
    first.registry.lease!.abandon()
    await agreedController([second], first.nodeId)
    // A write prepared with the old guard is refused by etcd itself, and nothing is written.
    const write = await store.createTopic(staleGuard, { name: 'after', assignment: [[1, 2]] })
    expect(write.status).toBe('fenced')
    expect(await first.connection.get(first.connection.key('topics', 'after'))).toBeUndefined()
    // Once it knows, it has no guard to give.
    await first.election.waitForController((c) => c?.nodeId === second.nodeId, 15_000)
    expect(first.election.isController()).toBe(false)
    const error = (() => { try { first.election.guard() } catch (e) { return e } })()
    expect(SamsaError.is(error, ErrorCodes.CLUSTER)).toBe(true)
    expect((error as Error).message).toContain(`the controller is broker ${second.nodeId}`)
    // The new controller's writes go through.
    expect((await store.createTopic(second.election.guard(), { name: 'after', assignment: [[2, 1]] })).status).toBe('ok')
  })
})
