/**
 * The gateway's REST consumer instances, by group and name, and their expiry: an instance that
 * has served no request for http.consumer.instance.timeout.ms (Confluent's
 * consumer.instance.timeout.ms, default 5 minutes) is closed (it commits if it auto-commits,
 * and leaves its group so its partitions go to the other members) and forgotten, as the
 * Confluent proxy does. A request to it afterwards gets 40403.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import type { Logger } from '../../common/logger.js'
import type { GroupCoordinators } from '../records/group-coordinator-service.js'
import type { PartitionPositions } from '../records/partition-positions.js'
import type { PartitionReader } from '../records/partition-reader.js'
import { ProxyError, ProxyErrorCodes } from '../records/proxy-error.js'
import { ConsumerInstance, type ConsumerInstanceConfig, instanceGone } from './consumer-instance.js'

export class ConsumerInstances {
  readonly #broker: BrokerContext
  readonly #reader: PartitionReader
  readonly #positions: PartitionPositions
  readonly #coordinators: GroupCoordinators
  readonly #logger: Logger
  readonly #timeoutMs: number
  readonly #instances = new Map<string, ConsumerInstance>()
  readonly #sweeper: NodeJS.Timeout

  constructor(broker: BrokerContext, reader: PartitionReader, positions: PartitionPositions, coordinators: GroupCoordinators, logger: Logger) {
    this.#broker = broker
    this.#reader = reader
    this.#positions = positions
    this.#coordinators = coordinators
    this.#logger = logger
    this.#timeoutMs = broker.config.get('http.consumer.instance.timeout.ms')
    // Checked a few times per timeout, so an instance outlives its timeout by at most a quarter of it.
    this.#sweeper = setInterval(() => this.#expire(), Math.max(50, Math.min(5000, this.#timeoutMs / 4)))
    this.#sweeper.unref()
  }

  create(config: ConsumerInstanceConfig): ConsumerInstance {
    const id = instanceKey(config.group, config.name)
    if (this.#instances.has(id)) {
      throw new ProxyError(409, ProxyErrorCodes.CONSUMER_ALREADY_EXISTS, `Consumer instance '${config.name}' already exists in group '${config.group}'; choose another name or DELETE it first.`)
    }
    const instance = new ConsumerInstance(this.#broker, this.#reader, this.#positions, this.#coordinators, config)
    this.#instances.set(id, instance)
    return instance
  }

  /** The instance, or 40403. */
  get(group: string, name: string): ConsumerInstance {
    const instance = this.#instances.get(instanceKey(group, name))
    if (instance === undefined || instance.closed) throw instanceGone({ group, name })
    return instance
  }

  async delete(group: string, name: string): Promise<void> {
    const instance = this.get(group, name)
    this.#instances.delete(instanceKey(group, name))
    await instance.close()
  }

  get size(): number {
    return this.#instances.size
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper)
    const all = [...this.#instances.values()]
    this.#instances.clear()
    await Promise.allSettled(all.map((instance) => instance.close()))
  }

  #expire(): void {
    const now = Date.now()
    for (const [id, instance] of this.#instances) {
      if (instance.idleMs(now) < this.#timeoutMs) continue
      this.#instances.delete(id)
      this.#logger.info('REST consumer instance expired', { group: instance.config.group, instance: instance.config.name, idleMs: instance.idleMs(now) })
      instance.close().catch((error: unknown) => this.#logger.warn('closing an expired REST consumer instance failed', { error }))
    }
  }
}

function instanceKey(group: string, name: string): string {
  return `${group}\u0000${name}`
}
