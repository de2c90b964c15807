/**
 * What brokers ask of the controller, as keys the controller watches (Kafka sends these as RPCs
 * to its controller: AlterPartition, and controlled shutdown through BrokerHeartbeat). Each key is
 * the latest word of one broker on one thing, so a retried request simply overwrites:
 *
 *   <prefix>/requests/alter-partition/<topicId>/<partition>   {"brokerId":1,"leaderEpoch":4,"partitionEpoch":9,"isr":[1,3]}
 *   <prefix>/requests/controlled-shutdown/<brokerId>          {"incarnationId":"..."}   (on the broker's lease)
 *
 * The controller deletes an alter-partition request once it has decided (the new state, or a
 * refusal the leader notices as silence and retries); a shutdown request goes with the
 * broker's lease when the broker exits.
 */
import type { IsrProposal } from './partition-elections.js'
import type { EtcdConnection, KeyValue } from './etcd-connection.js'

export type ControllerRequest =
  | { readonly kind: 'alter-partition'; readonly topicId: string; readonly partition: number; readonly proposal: IsrProposal; readonly kv: KeyValue }
  | { readonly kind: 'controlled-shutdown'; readonly brokerId: number; readonly kv: KeyValue }

export class ControllerRequests {
  readonly #connection: EtcdConnection

  constructor(connection: EtcdConnection) {
    this.#connection = connection
  }

  /** The prefix the controller watches. */
  get prefix(): string {
    return this.#connection.key('requests') + '/'
  }

  /** A leader's ISR proposal for one partition (replaces any earlier one). */
  async alterPartition(topicId: string, partition: number, proposal: IsrProposal): Promise<void> {
    await this.#connection.txn([], [{ op: 'put', key: this.#connection.key('requests', 'alter-partition', topicId, partition), value: JSON.stringify(proposal) }])
  }

  /** Asks the controller to move this broker's leaderships away; the key lives on `leaseId`. */
  async controlledShutdown(brokerId: number, incarnationId: string, leaseId: string): Promise<void> {
    const key = this.#connection.key('requests', 'controlled-shutdown', brokerId)
    await this.#connection.txn([], [{ op: 'put', key, value: JSON.stringify({ incarnationId }), lease: leaseId }])
  }

  /** Deletes a handled request, unless it was replaced meanwhile. */
  async done(kv: KeyValue): Promise<void> {
    await this.#connection.txn([{ key: kv.key, target: 'mod', result: '=', value: kv.modRevision }], [{ op: 'delete', key: kv.key }])
  }

  /** What a key under `prefix` asks for, or undefined for anything malformed. */
  parse(kv: KeyValue): ControllerRequest | undefined {
    const parts = kv.key.slice(this.prefix.length).split('/')
    let value: unknown
    try {
      value = JSON.parse(kv.value)
    } catch {
      return undefined
    }
    if (typeof value !== 'object' || value === null) return undefined
    const fields = value as Record<string, unknown>
    if (parts[0] === 'alter-partition' && parts.length === 3 && /^\d+$/.test(parts[2]!)) {
      const { brokerId, leaderEpoch, partitionEpoch, isr } = fields
      if (!Number.isInteger(brokerId) || !Number.isInteger(leaderEpoch) || !Number.isInteger(partitionEpoch)) return undefined
      if (!Array.isArray(isr) || !isr.every((id) => Number.isInteger(id))) return undefined
      const proposal: IsrProposal = { brokerId: brokerId as number, leaderEpoch: leaderEpoch as number, partitionEpoch: partitionEpoch as number, isr: isr as number[] }
      return { kind: 'alter-partition', topicId: parts[1]!, partition: Number(parts[2]), proposal, kv }
    }
    if (parts[0] === 'controlled-shutdown' && parts.length === 2 && /^\d+$/.test(parts[1]!)) {
      return { kind: 'controlled-shutdown', brokerId: Number(parts[1]), kv }
    }
    return undefined
  }
}
