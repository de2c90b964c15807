/**
 * What group tests ask the broker directly, over the wire (src/cli/request-client.ts): a
 * group's state and members, committed offsets, and topics with a given partition count; plus
 * a kafkajs producer for numbered records.
 */
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs'
import { KafkaConnection } from '../../src/cli/request-client.js'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { decodeAssignment } from '../../src/protocol/messages/consumer-protocol.js'

export async function withConnection<T>(bootstrap: string, work: (connection: KafkaConnection) => Promise<T>): Promise<T> {
  const connection = await KafkaConnection.connect(bootstrap, { clientId: 'samsa-test' })
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
