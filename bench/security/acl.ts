/**
 * What ACL checks cost on the produce path: produce throughput against a broker with the ACL
 * authorizer and 1,000 ACLs, and against one without an authorizer, in the same run. The two
 * brokers run side by side and the rounds alternate (A, B, A, B, ...), so machine noise (other
 * processes on a shared machine) falls on both alike; the report gives each round and the
 * median of each side, as throughput and as the broker's CPU-seconds per GB (the steadier of
 * the two when other processes share the machine).
 *
 *   npm run build && npm run bench:acl -- [--rounds 5] [--seconds 5] [--partitions 8]
 *     [--record-bytes 100] [--batch-bytes 16384] [--connections 4] [--in-flight 8] [--acls 1000]
 *
 * The 1,000 ACLs: one allowing the driver (User:ANONYMOUS) to WRITE the bench topic, and the rest
 * for other principals and resources (a third PREFIXED, the others LITERAL on topics and groups),
 * so every decision has a real index to search. Small batches (16 KiB) make many requests per
 * second: the authorizer is asked once per topic of each request, so this is where its cost
 * would show. Produce requests are pre-encoded and pipelined, as in bench:broker.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ANONYMOUS } from '../../src/common/kafka-principal.js'
import { createLogger } from '../../src/common/logger.js'
import { AclAuthorizer } from '../../src/security/acl-authorizer.js'
import type { AclBinding } from '../../src/security/acl.js'
import { FileSecurityStore } from '../../src/security/file-security-store.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { decodeResponse, encodeRequest } from '../../src/protocol/frames.js'
import { flattenChunks } from '../../src/protocol/writer.js'
import { encodeRecordBatch, type RecordInput } from '../../src/protocol/records.js'
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../src/security/acl.js'
import { crc32c } from '../../src/storage/native.js'
import { BrokerUnderTest } from '../broker/broker-under-test.js'
import { WireConnection } from '../broker/wire-connection.js'

const TOPIC = 'bench'
const PRODUCE_VERSION = 9

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    partitions: { type: 'string', default: '8' },
    'record-bytes': { type: 'string', default: '100' },
    'batch-bytes': { type: 'string', default: '16384' },
    connections: { type: 'string', default: '4' },
    'in-flight': { type: 'string', default: '8' },
    acls: { type: 'string', default: '1000' },
  },
})
const rounds = Number(args.rounds)
const seconds = Number(args.seconds)
const partitions = Number(args.partitions)
const recordBytes = Number(args['record-bytes'])
const batchBytes = Number(args['batch-bytes'])
const connections = Number(args.connections)
const inFlight = Number(args['in-flight'])
const aclCount = Number(args.acls)

function frame(apiKey: number, version: number, body: unknown): Buffer {
  const out = encodeRequest(apiKey as never, version, 0, 'samsa-bench', body as never)
  return flattenChunks(out.chunks, out.byteLength)
}

async function request<T>(connection: WireConnection, apiKey: number, version: number, body: unknown): Promise<T> {
  const response = new Promise<Buffer>((resolve) => connection.onFrame(resolve))
  connection.send(frame(apiKey, version, body))
  return decodeResponse(apiKey as never, version, await response).body as T
}

function buildBatch(seed: number): Buffer {
  const count = Math.max(1, Math.floor((batchBytes - 61) / (recordBytes + 8)))
  const records: RecordInput[] = []
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(recordBytes, (seed + i) & 0xff)
    records.push({ value, offsetDelta: i, timestampDelta: 0 })
  }
  return encodeRecordBatch({ baseTimestamp: Date.now(), records }, { crc32c })
}

/** The ACLs of the guarded broker: the driver's WRITE on the bench topic, and `count - 1` others. */
function acls(count: number) {
  const allow = AclPermissionType.ALLOW
  const bindings: Array<Record<string, number | string>> = [{ resourceType: ResourceType.TOPIC, resourceName: TOPIC, resourcePatternType: PatternType.LITERAL, principal: 'User:ANONYMOUS', host: '*', operation: AclOperation.WRITE, permissionType: allow }]
  for (let i = 1; i < count; i++) {
    const kind = i % 3
    bindings.push({
      resourceType: kind === 2 ? ResourceType.GROUP : ResourceType.TOPIC,
      resourceName: kind === 0 ? `team-${i}-` : kind === 1 ? `orders-${i}` : `group-${i}`,
      resourcePatternType: kind === 0 ? PatternType.PREFIXED : PatternType.LITERAL,
      principal: `User:user-${i}`,
      host: '*',
      operation: kind === 2 ? AclOperation.READ : AclOperation.WRITE,
      permissionType: allow,
    })
  }
  return bindings
}

async function prepare(broker: BrokerUnderTest, withAcls: boolean): Promise<void> {
  const connection = await WireConnection.open(broker.host, broker.port)
  try {
    if (withAcls) {
      // Accepted because the cluster has no ACL yet and allow.everyone.if.no.acl.found is on.
      const created = await request<{ results: Array<{ errorCode: number; errorMessage: string | null }> }>(connection, ApiKeys.CreateAcls, 3, { creations: acls(aclCount) })
      const failed = created.results.find((r) => r.errorCode !== 0)
      if (failed !== undefined) throw new Error(`CreateAcls failed: ${failed.errorCode} ${failed.errorMessage}`)
    }
    const metadata = await request<{ topics: Array<{ errorCode: number; partitions: unknown[] }> }>(connection, ApiKeys.Metadata, 12, {
      topics: [{ name: TOPIC }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false,
    })
    if (metadata.topics[0]!.errorCode !== 0) throw new Error(`topic creation failed: ${metadata.topics[0]!.errorCode}`)
  } finally {
    connection.close()
  }
}

interface Round {
  /** MB/s of record batches acknowledged. */
  readonly mbPerSecond: number
  /** The broker's CPU-seconds per GB acknowledged: steadier than throughput on a shared machine. */
  readonly cpuSecondsPerGb: number
}

/** Produces for `seconds`, pipelined. */
async function produceRound(broker: BrokerUnderTest, requests: readonly Buffer[], batchLength: number): Promise<Round> {
  const sockets = await Promise.all(Array.from({ length: connections }, () => WireConnection.open(broker.host, broker.port)))
  let acknowledged = 0
  const cpuBefore = broker.cpuSeconds()
  const started = process.hrtime.bigint()
  const deadline = started + BigInt(Math.round(seconds * 1e9))
  await Promise.all(sockets.map((socket, c) => new Promise<void>((resolve, reject) => {
    let outstanding = 0
    let next = c
    const sendOne = (): void => {
      if (process.hrtime.bigint() >= deadline) return
      outstanding++
      socket.send(requests[next++ % partitions]!)
    }
    socket.onFrame((response) => {
      outstanding--
      const body = decodeResponse(ApiKeys.Produce, PRODUCE_VERSION, response).body
      for (const t of body.responses) for (const r of t.partitionResponses) if (r.errorCode !== 0) reject(new Error(`produce failed with error ${r.errorCode}`))
      acknowledged++
      sendOne()
      if (outstanding === 0) resolve()
    })
    for (let i = 0; i < inFlight; i++) sendOne()
  })))
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9
  const cpu = broker.cpuSeconds() - cpuBefore
  for (const socket of sockets) socket.close()
  const bytes = acknowledged * batchLength
  return { mbPerSecond: bytes / 1e6 / elapsed, cpuSecondsPerGb: cpu / (bytes / 1e9) }
}

/**
 * The authorizer's own cost per check, in-process and free of machine noise: a Produce request
 * asks once per topic, so this against the broker's per-request time bounds what ACLs can cost.
 * Reported for a cached decision (every request after a connection's first) and an uncached one
 * (the first, or after any ACL change), with the same 1,000 ACLs.
 */
async function checkCost(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-acl-bench-'))
  try {
    const store = await FileSecurityStore.open(dir)
    const bindings = acls(aclCount).map((b) => ({ ...b, patternType: b.resourcePatternType }) as unknown as AclBinding)
    await store.createAcls(bindings)
    const authorizer = new AclAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: true }, store, createLogger('bench', 'silent'))
    const context = { connection: { id: 1, remoteAddress: '127.0.0.1', remotePort: 1, localPort: 1, listenerName: 'PLAINTEXT', principal: ANONYMOUS }, header: { apiKey: ApiKeys.Produce } }
    const checks = 5_000_000
    let allowed = 0
    let started = process.hrtime.bigint()
    for (let i = 0; i < checks; i++) if (authorizer.authorize(context, AclOperation.WRITE, ResourceType.TOPIC, TOPIC)) allowed++
    const cachedNs = Number(process.hrtime.bigint() - started) / checks
    const uncachedChecks = 20_000
    started = process.hrtime.bigint()
    for (let i = 0; i < uncachedChecks; i++) if (authorizer.decide(ANONYMOUS, '127.0.0.1', AclOperation.WRITE, ResourceType.TOPIC, TOPIC)) allowed++
    const uncachedNs = Number(process.hrtime.bigint() - started) / uncachedChecks
    if (allowed !== checks + uncachedChecks) throw new Error('the bench principal was refused')
    console.log(`authorizer, ${aclCount} ACLs: ${cachedNs.toFixed(0)} ns per cached check, ${(uncachedNs / 1000).toFixed(1)} µs per uncached decision`)
    authorizer.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

async function main(): Promise<void> {
  await checkCost()
  const settings = { 'num.partitions': partitions }
  const open = await BrokerUnderTest.start({ settings })
  const guarded = await BrokerUnderTest.start({
    settings: { ...settings, 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'allow.everyone.if.no.acl.found': 'true' },
  })
  try {
    await prepare(open, false)
    await prepare(guarded, true)
    const batches = Array.from({ length: partitions }, (_, p) => buildBatch(p))
    const requests = batches.map((batch, p) => frame(ApiKeys.Produce, PRODUCE_VERSION, {
      transactionalId: null, acks: 1, timeoutMs: 30_000, topicData: [{ name: TOPIC, partitionData: [{ index: p, records: batch }] }],
    }))
    console.log(`produce ${seconds} s per round, ${partitions} partitions, ${batches[0]!.length}-byte batches of ${recordBytes}-byte records, ` +
      `${connections} connections x ${inFlight} in flight; guarded broker: ${aclCount} ACLs`)
    // One uncounted round each first: JIT warm-up and the first segments' creation.
    await produceRound(open, requests, batches[0]!.length)
    await produceRound(guarded, requests, batches[0]!.length)
    const results = { none: [] as Round[], acls: [] as Round[] }
    const label = (side: 'none' | 'acls') => (side === 'none' ? 'no authorizer' : `${aclCount} ACLs`).padEnd(14)
    for (let round = 1; round <= rounds; round++) {
      // Alternate which goes first, so neither side always gets the warmer machine.
      const order = round % 2 === 1 ? (['none', 'acls'] as const) : (['acls', 'none'] as const)
      for (const side of order) {
        const result = await produceRound(side === 'none' ? open : guarded, requests, batches[0]!.length)
        results[side].push(result)
        console.log(`round ${round} ${label(side)} ${result.mbPerSecond.toFixed(1)} MB/s, broker ${result.cpuSecondsPerGb.toFixed(2)} CPU-s/GB`)
      }
    }
    const summary = (side: 'none' | 'acls') => ({
      mbPerSecond: median(results[side].map((r) => r.mbPerSecond)),
      cpuSecondsPerGb: median(results[side].map((r) => r.cpuSecondsPerGb)),
    })
    const none = summary('none')
    const withAcls = summary('acls')
    const percent = (a: number, b: number) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`
    console.log(`median ${label('none')} ${none.mbPerSecond.toFixed(1)} MB/s, ${none.cpuSecondsPerGb.toFixed(2)} CPU-s/GB`)
    console.log(`median ${label('acls')} ${withAcls.mbPerSecond.toFixed(1)} MB/s (${percent(withAcls.mbPerSecond, none.mbPerSecond)}), ` +
      `${withAcls.cpuSecondsPerGb.toFixed(2)} CPU-s/GB (${percent(withAcls.cpuSecondsPerGb, none.cpuSecondsPerGb)})`)
  } finally {
    await Promise.all([open.stop(), guarded.stop()])
  }
}

await main()
