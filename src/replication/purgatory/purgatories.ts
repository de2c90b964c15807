/**
 * The broker's two purgatories in one place, and the listener every partition reports its
 * progress to: appends wake follower fetches; high watermark moves wake consumer fetches and
 * acks=all produces; last stable offset moves wake read_committed fetches.
 */
import type { Partition, PartitionListener } from '../partition.js'
import { DelayedFetchPurgatory } from './delayed-fetch.js'
import { DelayedProducePurgatory } from './delayed-produce.js'

export class Purgatories implements PartitionListener {
  readonly fetches = new DelayedFetchPurgatory()
  readonly produces = new DelayedProducePurgatory()

  onLogAppend(partition: Partition, bytes: number): void {
    this.fetches.progress(partition, bytes, false)
  }

  onHighWatermark(partition: Partition, bytes: number): void {
    if (bytes > 0) this.fetches.progress(partition, bytes, true)
    this.produces.progress(partition)
  }

  onLastStableOffset(partition: Partition): void {
    this.fetches.stableProgress(partition)
  }

  /** Answers everything waiting (shutdown): fetches read what they have, produces time out. */
  completeAll(): void {
    this.fetches.completeAll()
    this.produces.completeAll()
  }
}
