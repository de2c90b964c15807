/**
 * What group tests ask the broker directly, over the wire (the lean client's connection): a
 * group's state and members, committed offsets, and topics with a given partition count; plus
 * a kafkajs producer for numbered records.
 */
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs'
import { parseHostPort } from '../../src/client/cluster.js'
import { BrokerConnection } from '../../src/client/connection.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import type { DescribedApiKey, RequestInputOf, ResponseOf } from '../../src/protocol/messages/index.js'
import { decodeAssignment } from '../../src/protocol/messages/consumer-protocol.js'

/**
 * A connection for tests that send exact requests: the lean client's BrokerConnection, asked
 * (apiKey, version, body) with an explicit version, or the negotiated one when undefined.
 */
export interface RawConnection {
  request<K extends DescribedApiKey>(apiKey: K, version: number | undefined, body: RequestInputOf<K>): Promise<ResponseOf<K>>
  close(): void
}

export async function connectRaw(bootstrap: string, clientId = 'samsa-test'): Promise<RawConnection> {
  const connection = await BrokerConnection.open({ ...parseHostPort(bootstrap), clientId })
  return {
    request: (apiKey, version, body) => connection.request(apiKey, body, version ?? connection.versionFor(apiKey)),
    close: () => connection.close(),
  }
}

export async function withConnection<T>(bootstrap: string, work: (connection: RawConnection) => Promise<T>): Promise<T> {
  const connection = await connectRaw(bootstrap)
  try {
    return await work(connection)
  } finally {
    connection.close()
  }
}

export interface DescribedGroup {
  readonly state: string
  readonly protocol: string
  readonly members: ReadonlyArray<{ memberId: string; clientId: string; groupInstanceId: string | null; partitions: number[] }>
}

export function describeGroup(bootstrap: string, groupId: string): Promise<DescribedGroup> {
  return withConnection(bootstrap, async (connection) => {
    const response = await connection.request(ApiKeys.DescribeGroups, undefined, { groups: [groupId] })
    const group = response.groups[0]!
    return {
      state: group.groupState,
      protocol: group.protocolData,
      members: group.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        groupInstanceId: m.groupInstanceId,
        partitions: m.memberAssignment.length === 0 ? [] : decodeAssignment(m.memberAssignment).value.assignedPartitions.flatMap((a) => a.partitions).sort((a, b) => a - b),
      })),
    }
  })
}

/** Committed offsets of the group for partitions 0..partitions-1 of `topic` (-1: none). */
export function committedOffsets(bootstrap: string, groupId: string, topic: string, partitions: number): Promise<number[]> {
  return withConnection(bootstrap, async (connection) => {
    const response = await connection.request(ApiKeys.OffsetFetch, 7, {
      groupId,
      topics: [{ name: topic, partitionIndexes: [...Array(partitions).keys()] }],
    })
    const result = new Array<number>(partitions).fill(-1)
    for (const p of response.topics[0]?.partitions ?? []) result[p.partitionIndex] = Number(p.committedOffset)
    return result
  })
}

/** Creates `topic` through auto-creation (the broker's num.partitions decides the count). */
export function ensureTopic(bootstrap: string, topic: string): Promise<number> {
  return withConnection(bootstrap, async (connection) => {
    const response = await connection.request(ApiKeys.Metadata, 9, { topics: [{ name: topic }], allowAutoTopicCreation: true })
    return response.topics[0]!.partitions.length
  })
}

export async function startProducer(bootstrap: string): Promise<Producer> {
  const kafka = new Kafka({ clientId: 'samsa-test-producer', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  return producer
}

/** Produces values String(from) .. String(from+count-1), round-robin over `partitions`. */
export async function produceNumbered(producer: Producer, topic: string, from: number, count: number, partitions: number, chunk = 2000): Promise<void> {
  for (let start = from; start < from + count; start += chunk) {
    const end = Math.min(start + chunk, from + count)
    const messages = []
    for (let i = start; i < end; i++) messages.push({ value: String(i), partition: i % partitions })
    await producer.send({ topic, acks: -1, messages })
  }
}
