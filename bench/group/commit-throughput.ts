/**
 * OffsetCommit throughput: requests per second, each committing 100 partitions, from several
 * connections with a window of requests in flight each (the way many consumers commit at once).
 * The request frame is encoded once and resent, so the load generator spends its CPU on the
 * socket, not on encoding; every response is decoded and checked for errors.
 */
import { type Socket, connect } from 'node:net'
import { parseHostPort } from '../../src/client/cluster.js'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { decodeResponse, encodeRequest } from '../../src/protocol/frames.js'

export interface CommitResult {
  readonly requests: number
  readonly partitionsPerRequest: number
  readonly seconds: number
  readonly requestsPerSecond: number
  readonly recordsPerSecond: number
}

const VERSION = 8

export async function commitThroughput(bootstrap: string, options: { topic: string; partitions: number; requests: number; connections: number; window: number }): Promise<CommitResult> {
  const admin = await BrokerConnection.open(parseHostPort(bootstrap))
  const metadata = await admin.request(ApiKeys.Metadata, { topics: [{ name: options.topic }], allowAutoTopicCreation: true }, 9)
  if (metadata.topics[0]!.partitions.length !== options.partitions) throw new Error(`${options.topic} has ${metadata.topics[0]!.partitions.length} partitions`)
  admin.close()

  const perConnection = Math.ceil(options.requests / options.connections)
  const started = performance.now()
  await Promise.all(Array.from({ length: options.connections }, (_, c) => drive(bootstrap, `bench-group-${c}`, options, perConnection)))
  const seconds = (performance.now() - started) / 1000
  const requests = perConnection * options.connections
  return {
    requests,
    partitionsPerRequest: options.partitions,
    seconds,
    requestsPerSecond: requests / seconds,
    recordsPerSecond: (requests * options.partitions) / seconds,
  }
}

async function drive(bootstrap: string, groupId: string, options: { topic: string; partitions: number; window: number }, count: number): Promise<void> {
  const [host, port] = bootstrap.split(':') as [string, string]
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host, port: Number(port) }, () => resolve(s))
    s.once('error', reject)
  })
  socket.setNoDelay(true)
  const partitions = Array.from({ length: options.partitions }, (_, p) => ({ partitionIndex: p, committedOffset: 1000n + BigInt(p), committedLeaderEpoch: -1, committedMetadata: '' }))
  const frame = Buffer.concat(
    encodeRequest(ApiKeys.OffsetCommit, VERSION, 1, 'bench', { groupId, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: options.topic, partitions }] }).chunks as Buffer[],
  )
  let sent = 0
  let received = 0
  let buffered: Buffer = Buffer.alloc(0)
  let expected: Buffer | null = null
  await new Promise<void>((resolve, reject) => {
    const send = (): void => {
      while (sent < count && sent - received < options.window) {
        socket.write(frame)
        sent++
      }
    }
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const size = buffered.readInt32BE(0)
        const response = buffered.subarray(4, 4 + size)
        buffered = buffered.subarray(4 + size)
        // Every request is the same, so every good response is too: decode and check the first,
        // then compare bytes (keeps the load generator's CPU off the broker's share).
        if (expected === null) {
          const failed = decodeResponse(ApiKeys.OffsetCommit, VERSION, response).body.topics[0]!.partitions.find((p) => p.errorCode !== 0)
          if (failed !== undefined) return reject(new Error(`commit failed with error ${failed.errorCode}`))
          expected = Buffer.from(response)
        } else if (!response.equals(expected)) {
          return reject(new Error('a commit response differs from the first (an error?)'))
        }
        received++
      }
      if (received === count) {
        socket.destroy()
        resolve()
      } else {
        send()
      }
    })
    socket.once('error', reject)
    send()
  })
}
