/**
 * The client's view of a cluster: bootstrap, the metadata cache (brokers, topics, partition
 * leaders), one pipelined connection per broker, and group coordinators. Producer, consumer and
 * admin share one Cluster when they are given the same instance.
 *
 * Works against any Kafka-compatible broker: it asks ApiVersions which versions to speak and
 * follows whatever broker addresses Metadata advertises.
 *
 * Not thread-safe; lives on the event loop that created it.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { ApiKeys } from '../protocol/api-keys.js'
import { KafkaErrorCodes, kafkaError } from '../protocol/error-codes.js'
import { BrokerConnection } from './connection.js'
import { KafkaError, kafkaFailure } from './kafka-error.js'

export interface ClientOptions {
  /** `host:port`, or several; default `127.0.0.1:9092`. */
  readonly bootstrapServers?: string | readonly string[]
  readonly clientId?: string
  readonly connectTimeoutMs?: number
  readonly requestTimeoutMs?: number
  /** Pipelined requests per connection; default 5. */
  readonly maxInFlightRequests?: number
}

export interface BrokerInfo {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
}

export interface PartitionInfo {
  readonly partition: number
  readonly errorCode: number
  readonly leader: number
  readonly leaderEpoch: number
  readonly replicas: readonly number[]
  readonly isr: readonly number[]
  readonly offlineReplicas: readonly number[]
}

export interface TopicInfo {
  readonly name: string
  readonly topicId: string
  readonly errorCode: number
  readonly isInternal: boolean
  /** By partition index. */
  readonly partitions: readonly PartitionInfo[]
}

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092'

/** Splits `host:port` (IPv6 as `[::1]:9092`); throws SAMSA_USAGE with an example otherwise. */
export function parseHostPort(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address.trim())
  const port = match === null ? NaN : Number(match[3])
  if (match === null || !(port > 0 && port < 65536)) {
    throw new SamsaError(ErrorCodes.USAGE, `'${address}' is not a broker address; use host:port, e.g. 127.0.0.1:9092.`)
  }
  return { host: match[1] ?? match[2]!, port }
}

export class Cluster {
  readonly #bootstrap: Array<{ host: string; port: number }>
  readonly #options: ClientOptions
  readonly #connections = new Map<string, Promise<BrokerConnection>>()
  readonly #brokers = new Map<number, BrokerInfo>()
  readonly #topics = new Map<string, TopicInfo>()
  readonly #coordinators = new Map<string, number>()
  #controllerId = -1
  #clusterId: string | null = null
  #closed = false

  constructor(options: ClientOptions = {}) {
    const servers = options.bootstrapServers ?? DEFAULT_BOOTSTRAP
    this.#bootstrap = (typeof servers === 'string' ? servers.split(',') : [...servers]).map(parseHostPort)
    this.#options = options
  }

  get clusterId(): string | null {
    return this.#clusterId
  }

  get controllerId(): number {
    return this.#controllerId
  }

  brokers(): BrokerInfo[] {
    return [...this.#brokers.values()].sort((a, b) => a.nodeId - b.nodeId)
  }

  /** The cached metadata of a topic (after `refreshMetadata` named it or listed all). */
  topic(name: string): TopicInfo | undefined {
    return this.#topics.get(name)
  }

  /** Any live connection, opening one to a bootstrap server (in order) when none is open. */
  async anyConnection(): Promise<BrokerConnection> {
    for (const pending of this.#connections.values()) {
      const connection = await pending.catch(() => null)
      if (connection !== null && !connection.isClosed) return connection
    }
    let last: unknown
    for (const { host, port } of this.#bootstrap) {
      try {
        return await this.#connection(host, port)
      } catch (error) {
        last = error
      }
    }
    throw last
  }

  /** The connection to broker `nodeId`, as Metadata advertised it. */
  async brokerConnection(nodeId: number): Promise<BrokerConnection> {
    let broker = this.#brokers.get(nodeId)
    if (broker === undefined) {
      await this.refreshMetadata([])
      broker = this.#brokers.get(nodeId)
    }
    if (broker === undefined) throw new SamsaError(ErrorCodes.KAFKA, `Broker ${nodeId} is not in the cluster's metadata.`)
    return this.#connection(broker.host, broker.port)
  }

  /**
   * Asks for metadata of `topics` (all topics when null) and updates the cache. With
   * `allowAutoCreate` the broker may create missing topics (auto.create.topics.enable).
   */
  async refreshMetadata(topics: readonly string[] | null, allowAutoCreate = false): Promise<TopicInfo[]> {
    const connection = await this.anyConnection()
    const version = connection.versionFor(ApiKeys.Metadata)
    const response = await connection.request(
      ApiKeys.Metadata,
      {
        topics: topics === null ? (version >= 1 ? null : []) : topics.map((name) => ({ name })),
        allowAutoTopicCreation: allowAutoCreate,
      },
      version,
    )
    this.#brokers.clear()
    for (const broker of response.brokers) this.#brokers.set(broker.nodeId, broker)
    this.#controllerId = response.controllerId
    this.#clusterId = response.clusterId
    const result: TopicInfo[] = []
    for (const topic of response.topics) {
      if (topic.name === null) continue
      const partitions: PartitionInfo[] = []
      for (const p of topic.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          errorCode: p.errorCode,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
        }
      }
      const info: TopicInfo = { name: topic.name, topicId: topic.topicId, errorCode: topic.errorCode, isInternal: topic.isInternal, partitions }
      if (topic.errorCode === KafkaErrorCodes.NONE) this.#topics.set(topic.name, info)
      else this.#topics.delete(topic.name)
      result.push(info)
    }
    return result
  }

  /**
   * The topic's metadata, fetched when not cached. Retries while the broker reports the topic as
   * being created (LEADER_NOT_AVAILABLE) and throws SAMSA_KAFKA saying what to do when it does
   * not exist.
   */
  async topicMetadata(name: string, allowAutoCreate = false): Promise<TopicInfo> {
    const cached = this.#topics.get(name)
    if (cached !== undefined) return cached
    for (let attempt = 0; ; attempt++) {
      const [info] = await this.refreshMetadata([name], allowAutoCreate)
      if (info !== undefined && info.errorCode === KafkaErrorCodes.NONE && info.partitions.length > 0) return info
      const code = info?.errorCode ?? KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION
      const transient = code === KafkaErrorCodes.LEADER_NOT_AVAILABLE || (code === KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION && allowAutoCreate)
      if (!transient || attempt >= 20) throw topicError(name, code)
      await sleep(Math.min(50 * 2 ** attempt, 500))
    }
  }

  /** Drops cached metadata of `topic` (after a NOT_LEADER error, for instance). */
  invalidate(topic: string): void {
    this.#topics.delete(topic)
  }

  /** The connection to the leader of a partition, from the cache (refreshed when unknown). */
  async leaderConnection(topic: string, partition: number): Promise<BrokerConnection> {
    const info = await this.topicMetadata(topic)
    const leader = info.partitions[partition]?.leader ?? -1
    if (leader < 0) {
      this.invalidate(topic)
      throw new KafkaError(KafkaErrorCodes.LEADER_NOT_AVAILABLE, `Partition ${topic}-${partition} has no leader right now (LEADER_NOT_AVAILABLE); retry shortly.`)
    }
    return this.brokerConnection(leader)
  }

  /** The group coordinator for `groupId` (FindCoordinator, cached until `forgetCoordinator`). */
  async coordinator(groupId: string): Promise<BrokerConnection> {
    const known = this.#coordinators.get(groupId)
    if (known !== undefined) return this.brokerConnection(known)
    for (let attempt = 0; ; attempt++) {
      const connection = await this.anyConnection()
      const version = connection.versionFor(ApiKeys.FindCoordinator)
      const response = await connection.request(ApiKeys.FindCoordinator, version >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { key: groupId, keyType: 0 }, version)
      const entry = version >= 4 ? response.coordinators[0] : response
      const errorCode = entry?.errorCode ?? KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
      if (errorCode === KafkaErrorCodes.NONE && entry !== undefined) {
        this.#coordinators.set(groupId, entry.nodeId)
        this.#brokers.set(entry.nodeId, { nodeId: entry.nodeId, host: entry.host, port: entry.port, rack: null })
        return this.#connection(entry.host, entry.port)
      }
      if (!kafkaError(errorCode).retriable || attempt >= 20) {
        throw kafkaFailure(errorCode, `Finding the coordinator of group '${groupId}'`)
      }
      await sleep(Math.min(100 * 2 ** attempt, 1000))
    }
  }

  forgetCoordinator(groupId: string): void {
    this.#coordinators.delete(groupId)
  }

  /** Closes every connection. */
  close(): void {
    this.#closed = true
    for (const pending of this.#connections.values()) void pending.then((c) => c.close(), () => undefined)
    this.#connections.clear()
  }

  #connection(host: string, port: number): Promise<BrokerConnection> {
    if (this.#closed) return Promise.reject(new SamsaError(ErrorCodes.USAGE, 'The client is closed.'))
    const key = `${host}:${port}`
    const existing = this.#connections.get(key)
    if (existing !== undefined) {
      return existing.then((connection) => {
        if (!connection.isClosed) return connection
        if (this.#connections.get(key) === existing) this.#connections.delete(key)
        return this.#connection(host, port)
      })
    }
    const opening = BrokerConnection.open({
      host,
      port,
      ...(this.#options.clientId !== undefined && { clientId: this.#options.clientId }),
      ...(this.#options.connectTimeoutMs !== undefined && { connectTimeoutMs: this.#options.connectTimeoutMs }),
      ...(this.#options.requestTimeoutMs !== undefined && { requestTimeoutMs: this.#options.requestTimeoutMs }),
      ...(this.#options.maxInFlightRequests !== undefined && { maxInFlightRequests: this.#options.maxInFlightRequests }),
    })
    this.#connections.set(key, opening)
    opening.catch(() => {
      if (this.#connections.get(key) === opening) this.#connections.delete(key)
    })
    return opening
  }
}

/** A SamsaError for a topic-level Kafka error, with the next step for the common ones. */
export function topicError(topic: string, errorCode: number): KafkaError {
  const info = kafkaError(errorCode)
  if (errorCode === KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION) {
    return new KafkaError(errorCode, `topic '${topic}' does not exist — create it with \`samsa topic create ${topic}\` (or enable auto.create.topics.enable on the broker)`)
  }
  if (errorCode === KafkaErrorCodes.INVALID_TOPIC_EXCEPTION) {
    return new KafkaError(errorCode, `'${topic}' is not a valid topic name: use up to 249 of [a-zA-Z0-9._-]`)
  }
  return new KafkaError(errorCode, `topic '${topic}': ${info.name}: ${info.message}`)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
