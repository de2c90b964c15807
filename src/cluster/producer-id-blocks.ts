/**
 * Producer ids for a whole cluster, handed out in blocks (Kafka: 1,000) from one etcd key,
 * `<prefix>/producer-ids/next`, whose value is {"nextProducerId": N}: the first id nobody has
 * been given yet. Allocating is a compare-and-swap on the key's mod revision (or "absent" for
 * the first block), retried on conflict, so two brokers racing for a block always get disjoint
 * ones. A block is lost, never given twice, when a broker dies before using it all or when a
 * transaction's outcome was unknown (etcd3 retries an attempt that timed out; the retry then
 * sees a moved key and takes the next block) - the same trade Kafka makes.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { Compare, EtcdConnection, KeyValue } from './etcd-connection.js'

export const PRODUCER_ID_BLOCK_SIZE = 1000
/** Kafka's producer ids are int64; ours stay below 2^53 so they remain exact JavaScript numbers. */
const MAX_PRODUCER_ID = Number.MAX_SAFE_INTEGER
/** Every failed attempt means another broker got a block; this many in a row is not contention. */
const MAX_ATTEMPTS = 50

export class ProducerIdBlocks {
  readonly #connection: EtcdConnection
  readonly #key: string

  constructor(connection: EtcdConnection) {
    this.#connection = connection
    this.#key = connection.key('producer-ids', 'next')
  }

  /**
   * Reserves `count` consecutive producer ids for the caller alone and returns the first. Has the
   * shape of MetadataStore.allocateProducerIds, so ProducerIdManager can use either.
   */
  async allocateProducerIds(count: number = PRODUCER_ID_BLOCK_SIZE): Promise<number> {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`a producer id block needs a positive size, got ${count}`)
    let current = await this.#connection.get(this.#key)
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const first = current === undefined ? 0 : this.#parse(current)
      if (first + count > MAX_PRODUCER_ID) {
        throw new SamsaError(ErrorCodes.CLUSTER, `producer ids are exhausted (${this.#key} is at ${first})`)
      }
      const unchanged: Compare =
        current === undefined
          ? { key: this.#key, target: 'create', result: '=', value: 0 }
          : { key: this.#key, target: 'mod', result: '=', value: current.modRevision }
      const result = await this.#connection.txn(
        [unchanged],
        [{ op: 'put', key: this.#key, value: JSON.stringify({ nextProducerId: first + count }) }],
        [{ op: 'get', key: this.#key }],
      )
      if (result.succeeded) return first
      // Another allocator moved the key; its value is in the failure branch's read.
      current = result.reads[0]?.[0]
    }
    throw new SamsaError(ErrorCodes.CLUSTER, `could not reserve producer ids at ${this.#key}: ${MAX_ATTEMPTS} attempts in a row lost the race`)
  }

  #parse(kv: KeyValue): number {
    try {
      const value = (JSON.parse(kv.value) as { nextProducerId?: unknown }).nextProducerId
      if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number
    } catch {
      // Reported below.
    }
    // Never guess: a wrong guess could hand out ids twice.
    throw new SamsaError(ErrorCodes.CLUSTER, `${this.#key} holds '${kv.value}', not {"nextProducerId": <non-negative integer>}; fix or delete it by hand`)
  }
}
