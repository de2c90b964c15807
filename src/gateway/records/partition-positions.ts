/**
 * Where a partition starts and ends and which offset a timestamp designates, for the gateway's
 * offsets endpoints, consumer seeks, streams and console: the same lookup as ListOffsets
 * (replication/partition-offsets.ts) on partitions this broker leads, and a ListOffsets request
 * to the leader for the others (one per leader, however many partitions are asked). A topic or
 * partition that does not exist is the proxy's 40401/40402; a partition without a leader, or
 * whose leader does not answer, a retriable 500 naming it.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes, kafkaError } from '../../protocol/error-codes.js'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, offsetForTimestamp } from '../../replication/partition-offsets.js'
import type { PeerBrokers } from '../../broker/peer-brokers.js'
import { ProxyError, ProxyErrorCodes, describeBroker, partitionNotFound, topicNotFound } from './proxy-error.js'

export interface Bounds {
  /** The log start offset. */
  readonly beginning: number
  /** The high watermark: the offset the next record gets, as consumers see it. */
  readonly end: number
}

/** How long a leader may take to answer a ListOffsets. */
const LIST_OFFSETS_TIMEOUT_MS = 10_000

export class PartitionPositions {
  readonly #broker: BrokerContext
  readonly #peers: PeerBrokers

  constructor(broker: BrokerContext, peers: PeerBrokers) {
    this.#broker = broker
    this.#peers = peers
  }

  /** True when the topic exists and has this partition. */
  exists(topic: string, partition: number): boolean {
    const metadata = this.#broker.metadata.topic(topic)
    return metadata !== undefined && Number.isInteger(partition) && partition >= 0 && partition < metadata.partitions
  }

  /** Throws ProxyError unless the topic has this partition. */
  checkExists(topic: string, partition: number): void {
    const metadata = this.#broker.metadata.topic(topic)
    if (metadata === undefined) throw topicNotFound(topic)
    if (!(Number.isInteger(partition) && partition >= 0 && partition < metadata.partitions)) throw partitionNotFound(topic, partition, metadata.partitions)
  }

  /** The first offset still in the log and the high watermark (the next offset consumers will see). */
  async bounds(topic: string, partition: number): Promise<Bounds> {
    const [beginning, end] = await Promise.all([this.offsets(topic, [partition], EARLIEST_TIMESTAMP), this.offsets(topic, [partition], LATEST_TIMESTAMP)])
    return { beginning: beginning.get(partition)!, end: end.get(partition)! }
  }

  /**
   * The offset of the first record at or after `timestamp` (ms), or the end of the partition when
   * there is none, as a consumer seeking to a time ends up there (Kafka's consumers do the same).
   */
  async offsetAtTime(topic: string, partition: number, timestamp: number): Promise<number> {
    const found = (await this.offsets(topic, [partition], timestamp)).get(partition)!
    return found >= 0 ? found : (await this.offsets(topic, [partition], LATEST_TIMESTAMP)).get(partition)!
  }

  /**
   * The start and end of each of `partitions`, asked of each leader once; a partition whose
   * leader is not known or does not answer is left out (a console shows it as unknown).
   */
  async boundsOfAll(topic: string, partitions: readonly number[]): Promise<Map<number, Bounds>> {
    return (await this.boundsOfTopics([{ topic, partitions }])).get(topic) ?? new Map()
  }

  /**
   * As boundsOfAll for several topics at once: two ListOffsets per leader (earliest and latest)
   * whatever the number of topics, so a console listing every topic costs each peer two requests.
   */
  async boundsOfTopics(wanted: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }>): Promise<Map<string, Map<number, Bounds>>> {
    const result = new Map<string, Map<number, Bounds>>()
    const byLeader = new Map<number, Array<{ name: string; partitions: number[] }>>()
    for (const { topic, partitions } of wanted) {
      const bounds = new Map<number, Bounds>()
      result.set(topic, bounds)
      for (const partition of partitions) {
        const led = this.#broker.replicas.leaderPartition(topic, partition)
        if (typeof led !== 'number') {
          bounds.set(partition, { beginning: offsetForTimestamp(led, EARLIEST_TIMESTAMP, false).offset, end: offsetForTimestamp(led, LATEST_TIMESTAMP, false).offset })
          continue
        }
        const leader = this.#broker.metadata.partitionState(topic, partition)?.leader ?? -1
        if (leader < 0 || leader === this.#broker.nodeId) continue
        let topics = byLeader.get(leader)
        if (topics === undefined) byLeader.set(leader, (topics = []))
        let entry = topics.at(-1)
        if (entry?.name !== topic) topics.push((entry = { name: topic, partitions: [] }))
        entry.partitions.push(partition)
      }
    }
    await Promise.all([...byLeader].map(async ([leader, topics]) => {
      const ask = (timestamp: number) => this.#peers.request(
        leader,
        ApiKeys.ListOffsets,
        { replicaId: -1, isolationLevel: 0, topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((partitionIndex) => ({ partitionIndex, timestamp: BigInt(timestamp) })) })) },
        { timeoutMs: LIST_OFFSETS_TIMEOUT_MS },
      )
      let earliest, latest
      try {
        ;[earliest, latest] = await Promise.all([ask(EARLIEST_TIMESTAMP), ask(LATEST_TIMESTAMP)])
      } catch {
        // Unknown for now: the leader is moving or unreachable.
        return
      }
      const starts = new Map<string, number>()
      for (const t of earliest.topics) for (const p of t.partitions) if (p.errorCode === KafkaErrorCodes.NONE) starts.set(`${t.name}\u0000${p.partitionIndex}`, Number(p.offset))
      for (const t of latest.topics) {
        for (const p of t.partitions) {
          const beginning = starts.get(`${t.name}\u0000${p.partitionIndex}`)
          if (p.errorCode === KafkaErrorCodes.NONE && beginning !== undefined) result.get(t.name)?.set(p.partitionIndex, { beginning, end: Number(p.offset) })
        }
      }
    }))
    return result
  }

  /**
   * ListOffsets for `partitions` of `topic` at `timestamp` (EARLIEST_TIMESTAMP, LATEST_TIMESTAMP or
   * ms): partition → offset, -1 where no record is at or after the timestamp.
   */
  async offsets(topic: string, partitions: readonly number[], timestamp: number): Promise<Map<number, number>> {
    const found = await this.lookUp(topic, partitions, timestamp)
    return new Map([...found].map(([partition, { offset }]) => [partition, offset]))
  }

  /** As `offsets`, with the timestamp of the record found (-1 for EARLIEST/LATEST or none). */
  async lookUp(topic: string, partitions: readonly number[], timestamp: number): Promise<Map<number, { offset: number; timestamp: number }>> {
    for (const partition of partitions) this.checkExists(topic, partition)
    const result = new Map<number, { offset: number; timestamp: number }>()
    const byLeader = new Map<number, number[]>()
    for (const partition of partitions) {
      const led = this.#broker.replicas.leaderPartition(topic, partition)
      if (typeof led !== 'number') {
        const found = offsetForTimestamp(led, timestamp, false)
        result.set(partition, { offset: found.offset, timestamp: found.timestamp })
        continue
      }
      const leader = this.#broker.metadata.partitionState(topic, partition)?.leader ?? -1
      if (leader < 0 || leader === this.#broker.nodeId) throw noLeader(this.#broker, topic, partition, leader)
      let list = byLeader.get(leader)
      if (list === undefined) byLeader.set(leader, (list = []))
      list.push(partition)
    }
    await Promise.all([...byLeader].map(async ([leader, list]) => {
      let response
      try {
        response = await this.#peers.request(
          leader,
          ApiKeys.ListOffsets,
          { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: list.map((partitionIndex) => ({ partitionIndex, timestamp: BigInt(timestamp) })) }] },
          { timeoutMs: LIST_OFFSETS_TIMEOUT_MS },
        )
      } catch (error) {
        throw new ProxyError(500, ProxyErrorCodes.KAFKA_RETRIABLE_ERROR, `Looking up offsets of ${topic}-${list[0]} at its leader, ${describeBroker(this.#broker, leader)}, failed: ${(error as Error).message}`)
      }
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== KafkaErrorCodes.NONE) {
            const info = kafkaError(p.errorCode)
            throw new ProxyError(500, info.retriable ? ProxyErrorCodes.KAFKA_RETRIABLE_ERROR : ProxyErrorCodes.KAFKA_ERROR, `Looking up offsets of ${topic}-${p.partitionIndex} at ${describeBroker(this.#broker, leader)} failed: ${info.name}: ${info.message}`)
          }
          result.set(p.partitionIndex, { offset: Number(p.offset), timestamp: Number(p.timestamp) })
        }
      }
    }))
    for (const partition of partitions) {
      if (!result.has(partition)) throw new ProxyError(500, ProxyErrorCodes.KAFKA_RETRIABLE_ERROR, `The leader of ${topic}-${partition} did not answer for it; try again.`)
    }
    return result
  }
}

/** No leader now (an election is under way), or leadership is landing here and not yet taken up. */
function noLeader(broker: BrokerContext, topic: string, partition: number, leader: number): ProxyError {
  return new ProxyError(
    500,
    ProxyErrorCodes.KAFKA_RETRIABLE_ERROR,
    `${topic}-${partition} has ${leader < 0 ? 'no leader right now' : `its leader (${describeBroker(broker, leader)}) still taking up leadership`}; try again shortly.`,
  )
}
