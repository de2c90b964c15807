/**
 * The follower side of a broker: one ReplicaFetcher per leader broker it copies from, as Kafka's
 * ReplicaFetcherManager keeps (num.replica.fetchers = 1). A partition is added when this broker
 * becomes its follower and moved or removed when its leader changes or this broker leads it.
 */
import type { Logger } from '../common/logger.js'
import type { Partition } from './partition.js'
import { type LeaderEndpoint, ReplicaFetcher, type ReplicaFetcherOptions } from './replica-fetcher.js'

export class ReplicaFetcherManager {
  readonly #localBrokerId: number
  readonly #options: ReplicaFetcherOptions
  readonly #logger: Logger
  /** By leader broker id. */
  readonly #fetchers = new Map<number, ReplicaFetcher>()
  /** Which fetcher copies each followed partition. */
  readonly #fetcherOf = new Map<Partition, ReplicaFetcher>()

  constructor(localBrokerId: number, options: ReplicaFetcherOptions) {
    this.#localBrokerId = localBrokerId
    this.#options = options
    this.#logger = options.logger
  }

  /**
   * Copies `partition` from `leader` from now on, truncating first. Called again for a new leader
   * epoch (or a new leader), it starts over with that epoch.
   */
  follow(partition: Partition, leader: LeaderEndpoint): void {
    this.unfollow(partition)
    let fetcher = this.#fetchers.get(leader.brokerId)
    if (fetcher !== undefined && (fetcher.leader.host !== leader.host || fetcher.leader.port !== leader.port)) {
      // The leader re-registered at another address: a fresh fetcher connects there.
      void this.#closeFetcher(fetcher)
      fetcher = undefined
    }
    if (fetcher === undefined) {
      fetcher = new ReplicaFetcher(this.#localBrokerId, leader, this.#options)
      this.#fetchers.set(leader.brokerId, fetcher)
      this.#logger.info('started a replica fetcher', { leader: leader.brokerId, address: `${leader.host}:${leader.port}` })
    }
    fetcher.addPartition(partition)
    this.#fetcherOf.set(partition, fetcher)
  }

  /** Stops copying `partition` (this broker leads it now, or no longer hosts it). */
  unfollow(partition: Partition): void {
    const fetcher = this.#fetcherOf.get(partition)
    if (fetcher === undefined) return
    this.#fetcherOf.delete(partition)
    fetcher.removePartition(partition)
    if (fetcher.partitionCount === 0) void this.#closeFetcher(fetcher)
  }

  /** The leader `partition` is copied from, or undefined when it is not followed. */
  leaderOf(partition: Partition): number | undefined {
    return this.#fetcherOf.get(partition)?.leader.brokerId
  }

  /** Stops every fetcher (shutdown). */
  async close(): Promise<void> {
    this.#fetcherOf.clear()
    await Promise.all([...this.#fetchers.values()].map((fetcher) => this.#closeFetcher(fetcher)))
  }

  async #closeFetcher(fetcher: ReplicaFetcher): Promise<void> {
    if (this.#fetchers.get(fetcher.leader.brokerId) === fetcher) this.#fetchers.delete(fetcher.leader.brokerId)
    await fetcher.close()
  }
}
