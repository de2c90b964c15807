/**
 * Cluster mode's etcd building blocks (see DESIGN.md "Cluster mode" and
 * ../shared/notes/cluster-design.md for the key layout). Only this module talks to etcd.
 */
export { DEFAULT_PREFIX, EtcdConnection, type EtcdConnectionOptions, type KeyValue, type Compare, type TxnOp, type TxnResult } from './etcd-connection.js'
export { type LeaseLossReason, SessionLease } from './session-lease.js'
export { type RangeChange, WatchedRange } from './watched-range.js'
export { type BrokerChange, type BrokerEndpoint, type BrokerRegistration, BrokerRegistry, type BrokerRegistryOptions, DEFAULT_SESSION_TIMEOUT_MS } from './broker-registry.js'
export { type ControllerInfo, ControllerElection, type ResignReason } from './controller-election.js'
export { ClusterMetadataStore, type MetadataChange, type PartitionView, type TopicView, type WriteResult } from './cluster-metadata-store.js'
export { type PartitionState, type TopicRecord, initialPartitionState } from './metadata-records.js'
export { PRODUCER_ID_BLOCK_SIZE, ProducerIdBlocks } from './producer-id-blocks.js'
export { ensureClusterId } from './cluster-id.js'
