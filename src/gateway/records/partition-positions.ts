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
import type { PeerBrokers } from './peer-brokers.js'
import { ProxyError, ProxyErrorCodes, describeBroker, partitionNotFound, topicNotFound } from './proxy-error.js'

/** How long a leader may take to answer a ListOffsets. */
const LIST_OFFSETS_TIMEOUT_MS = 10_000

export class PartitionPositions {
  readonly #broker: BrokerContext
  readonly #peers: PeerBrokers

  constructor(broker: BrokerContext, peers: PeerBrokers) {
    this.#broker = broker
    this.#peers = peers
  }

  /** Throws ProxyError unless the topic has this partition. */
  checkExists(topic: string, partition: number): void {
    const metadata = this.#broker.metadata.topic(topic)
    if (metadata === undefined) throw topicNotFound(topic)
    if (!(Number.isInteger(partition) && partition >= 0 && partition < metadata.partitions)) throw partitionNotFound(topic, partition, metadata.partitions)
  }

  /** The first offset still in the log and the high watermark (the next offset consumers will see). */
  async bounds(topic: string, partition: number): Promise<{ beginning: number; end: number }> {
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
  async boundsOfAll(topic: string, partitions: readonly number[]): Promise<Map<number, { beginning: number; end: number }>> {
    const byLeader = new Map<number, number[]>()
    for (const partition of partitions) {
      const leader = this.#broker.metadata.partitionState(topic, partition)?.leader ?? -1
      if (leader < 0) continue
      let list = byLeader.get(leader)
      if (list === undefined) byLeader.set(leader, (list = []))
      list.push(partition)
    }
    const result = new Map<number, { beginning: number; end: number }>()
    await Promise.all([...byLeader.values()].map(async (list) => {
      try {
        const [beginning, end] = await Promise.all([this.offsets(topic, list, EARLIEST_TIMESTAMP), this.offsets(topic, list, LATEST_TIMESTAMP)])
        for (const partition of list) result.set(partition, { beginning: beginning.get(partition)!, end: end.get(partition)! })
      } catch {
        // Unknown for now: the leader is moving or unreachable.
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
