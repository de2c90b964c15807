/**
 * Hands out producer ids for InitProducerId. Ids come from blocks reserved durably in the
 * metadata store (as Kafka's brokers reserve blocks from the controller), so an id is never
 * given twice, even across crashes, and most calls touch no disk.
 */
import type { MetadataStore } from '../metadata/metadata-store.js'

/** Kafka reserves producer ids in blocks of this size. */
const BLOCK_SIZE = 1000

export class ProducerIdManager {
  readonly #metadata: MetadataStore
  #next = 0
  #end = 0
  #refill: Promise<void> | null = null

  constructor(metadata: MetadataStore) {
    this.#metadata = metadata
  }

  async nextProducerId(): Promise<number> {
    while (this.#next >= this.#end) {
      this.#refill ??= this.#metadata.allocateProducerIds(BLOCK_SIZE).then((first) => {
        this.#next = first
        this.#end = first + BLOCK_SIZE
        this.#refill = null
      })
      await this.#refill
    }
    return this.#next++
  }
}
