/**
 * `__transaction_state`, where transaction coordinators keep their state, and which of its
 * partitions holds a transactional id: `abs(transactionalId.hashCode()) % partitions`, Java's
 * String.hashCode as Kafka computes it (the same rule as groups in __consumer_offsets), so that
 * every broker and Kafka's tools agree on the coordinator.
 *
 * Created on first use (the first FindCoordinator for a transactional id) with
 * transaction.state.log.num.partitions partitions, transaction.state.log.replication.factor
 * replicas capped at the live brokers, compacted (the latest record per id is its state).
 */
import type { BrokerConfig } from '../common/config/broker-config.js'
import { javaStringHashCode, kafkaAbs } from '../group/coordinator-key.js'

export const TRANSACTION_STATE_TOPIC = '__transaction_state'

export function partitionForTransactionalId(transactionalId: string, partitionCount: number): number {
  return kafkaAbs(javaStringHashCode(transactionalId)) % partitionCount
}

/**
 * The topic's configs. min.insync.replicas is transaction.state.log.min.isr capped at the
 * replication factor the topic gets: on a single broker (one replica) the default of 2 would
 * refuse every coordinator write, where Kafka would refuse to create the topic at all; a lone
 * broker has no durability beyond its own disk to promise anyway.
 */
export function transactionStateTopicConfigs(config: BrokerConfig, replicationFactor: number): Record<string, string> {
  return {
    'cleanup.policy': 'compact',
    'compression.type': 'uncompressed',
    'min.insync.replicas': String(Math.min(config.get('transaction.state.log.min.isr'), replicationFactor)),
    'segment.bytes': String(config.get('transaction.state.log.segment.bytes')),
    'unclean.leader.election.enable': 'false',
  }
}
