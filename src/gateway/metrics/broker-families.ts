/**
 * The broker's own metrics under the names Prometheus's JMX exporter gives Kafka's MBeans with
 * its Kafka example configuration (kafka-2_0_0.yml: lower case, "PerSec" dropped, counters as
 * _total), so Kafka dashboards and alerts read them unchanged:
 *
 * - kafka_server_brokertopicmetrics_*_total: messages, bytes in and out, replication bytes,
 *   failed produce and fetch requests; once per topic (`topic` label) and once for all topics
 *   (no label), as Kafka registers both.
 * - kafka_network_requestmetrics_requests_total{request} and, where the JMX exporter emulates a
 *   summary with quantiles, a real histogram kafka_network_requestmetrics_totaltimems{request}.
 * - kafka_server_replicamanager_*: partition, leader, under-replicated, under-min-ISR counts,
 *   ISR shrinks and expands; kafka_controller_kafkacontroller_*: the active controller count
 *   and, on the controller, partitions without a leader.
 * - kafka_server_delayedoperationpurgatory_purgatorysize{delayedOperation}.
 * - kafka_server_fetchsessioncache_*: incremental fetch sessions held, their partitions, and
 *   sessions evicted to make room (KIP-227); samsa_fetch_sessions_incremental_requests_total
 *   counts the incremental requests served (Kafka has no such meter).
 * - kafka_server_socketservermetrics_connection_count{listener}; Kafka's `connections` gauge per
 *   client software (KIP-511) as kafka_server_socketservermetrics_connections{clientSoftwareName,
 *   clientSoftwareVersion,listener} ("unknown" for clients that never said, as in Kafka; there is
 *   one network thread, so no networkProcessor tag); connections accepted and closed per listener
 *   as kafka_server_socketservermetrics_connection_{creation,close}_total; connections refused by a limit
 *   and delayed by the creation rate as samsa_network_connections_{refused,throttled}_total; and the gateway's WebSocket
 *   sessions as samsa_http_websocket_connections (they are not Kafka connections).
 *
 * The per-partition families (kafka_log_log_*, kafka_topic_partition_*) are in
 * partition-families.ts, consumer groups in group-families.ts.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { REQUEST_TIME_BUCKETS_MS } from '../../broker/request-metrics.js'
import type { TopicCounters } from '../../replication/replication-counters.js'
import { type Exposition, labels } from './exposition.js'

type CounterName = keyof TopicCounters

/** Kafka's BrokerTopicMetrics meters and the counter that feeds each. */
const TOPIC_METERS: ReadonlyArray<readonly [string, CounterName, string]> = [
  ['messagesin', 'messagesIn', 'Records appended to partitions this broker leads.'],
  ['bytesin', 'bytesIn', 'Bytes of record batches appended to partitions this broker leads.'],
  ['bytesout', 'bytesOut', 'Bytes of records sent to consumers.'],
  ['replicationbytesout', 'replicationBytesOut', 'Bytes of records sent to follower brokers.'],
  ['replicationbytesin', 'replicationBytesIn', 'Bytes of records copied from leaders as a follower.'],
  ['failedproducerequests', 'failedProduceRequests', 'Partition appends refused for a reason other than not leading the partition.'],
  ['failedfetchrequests', 'failedFetchRequests', 'Partition reads that failed in storage.'],
]

export function writeBrokerFamilies(out: Exposition, broker: BrokerContext, webSocketSessions: number): void {
  writeTopicTraffic(out, broker)
  writeRequests(out, broker)
  writeReplicaManager(out, broker)
  writeFetchSessions(out, broker)
  writeController(out, broker)

  const purgatories = broker.replicas.purgatories
  out.family('kafka_server_delayedoperationpurgatory_purgatorysize', 'gauge', 'Requests waiting in a purgatory: acks=all produces for replication, fetches for min bytes.')
    .add('delayedOperation="Produce"', purgatories.produces.size)
    .add('delayedOperation="Fetch"', purgatories.fetches.size)

  const connections = out.family('kafka_server_socketservermetrics_connection_count', 'gauge', 'Open connections per Kafka listener.')
  for (const { listener, connections: count } of broker.metrics.listenerConnections()) connections.add(labels({ listener }), count)
  writeClientConnections(out, broker)
  const refusals = broker.metrics.connectionRefusals()
  out.family('samsa_network_connections_refused_total', 'counter', 'New Kafka connections closed at once because a connection limit was reached, per limit (the setting).')
    .add(labels({ limit: 'max.connections' }), refusals['max.connections'])
    .add(labels({ limit: 'max.connections.per.ip' }), refusals['max.connections.per.ip'])
  out.family('samsa_network_connections_throttled_total', 'counter', 'New Kafka connections whose first read was delayed by max.connection.creation.rate.').add('', refusals.throttled)
  out.family('samsa_http_websocket_connections', 'gauge', 'Open WebSocket sessions of the HTTP gateway.').add('', webSocketSessions)
}

function writeClientConnections(out: Exposition, broker: BrokerContext): void {
  const registry = broker.connections
  const bySoftware = out.family('kafka_server_socketservermetrics_connections', 'gauge', 'Open Kafka connections per listener and client software (name and version from ApiVersions, KIP-511).')
  for (const { listener, softwareName, softwareVersion, connections } of registry.softwareCounts()) {
    bySoftware.add(labels({ clientSoftwareName: softwareName, clientSoftwareVersion: softwareVersion, listener }), connections)
  }
  const created = out.family('kafka_server_socketservermetrics_connection_creation_total', 'counter', 'Kafka connections accepted and served per listener since the broker started.')
  const closed = out.family('kafka_server_socketservermetrics_connection_close_total', 'counter', 'Kafka connections closed per listener since the broker started.')
  for (const totals of registry.totals()) {
    const listener = labels({ listener: totals.listener })
    created.add(listener, totals.created)
    closed.add(listener, totals.closed)
  }
}

function writeTopicTraffic(out: Exposition, broker: BrokerContext): void {
  const byTopic = broker.replicas.topicCounters()
  const families = TOPIC_METERS.map(([name, , help]) => out.family(`kafka_server_brokertopicmetrics_${name}_total`, 'counter', help))
  const totals = new Array<number>(TOPIC_METERS.length).fill(0)
  for (const [topic, counters] of byTopic) {
    const topicLabel = labels({ topic })
    for (let i = 0; i < TOPIC_METERS.length; i++) {
      const value = counters[TOPIC_METERS[i]![1]]
      totals[i]! += value
      families[i]!.add(topicLabel, value)
    }
  }
  // The all-topics meter, as Kafka registers it without a topic tag.
  for (let i = 0; i < TOPIC_METERS.length; i++) families[i]!.add('', totals[i]!)
}

function writeRequests(out: Exposition, broker: BrokerContext): void {
  const requests = out.family('kafka_network_requestmetrics_requests_total', 'counter', 'Requests handled, per request type (Fetch as FetchConsumer and FetchFollower).')
  const time = out.family(
    'kafka_network_requestmetrics_totaltimems',
    'histogram',
    'Time from the start of handling a request to its response being ready, in milliseconds, per request type.',
  )
  for (const type of broker.metrics.requests.types()) {
    const request = labels({ request: type.request })
    requests.add(request, type.count)
    time.addHistogram(request, REQUEST_TIME_BUCKETS_MS, type.buckets, type.totalTimeMs)
  }
}

function writeFetchSessions(out: Exposition, broker: BrokerContext): void {
  const sessions = broker.fetchSessions
  out.family('kafka_server_fetchsessioncache_numincrementalfetchsessions', 'gauge', 'Incremental fetch sessions held (KIP-227).').add('', sessions.size)
  out.family('kafka_server_fetchsessioncache_numincrementalfetchpartitionscached', 'gauge', 'Partitions over all incremental fetch sessions.').add('', sessions.partitions)
  out.family('kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total', 'counter', 'Fetch sessions evicted to make room for new ones.').add('', sessions.evictions)
  out.family('samsa_fetch_sessions_incremental_requests_total', 'counter', 'Incremental fetch requests answered through a session.').add('', sessions.incrementalFetches)
}

function writeReplicaManager(out: Exposition, broker: BrokerContext): void {
  let partitions = 0
  let leaders = 0
  let underReplicated = 0
  let underMinIsr = 0
  for (const partition of broker.replicas.allPartitions()) {
    partitions++
    if (!partition.isLeader) continue
    leaders++
    const { isr, replicas } = partition.state
    if (isr.length < replicas.length) underReplicated++
    if (isr.length < partition.config['min.insync.replicas']) underMinIsr++
  }
  out.family('kafka_server_replicamanager_partitioncount', 'gauge', 'Partitions hosted by this broker, as leader or follower.').add('', partitions)
  out.family('kafka_server_replicamanager_leadercount', 'gauge', 'Partitions this broker leads.').add('', leaders)
  out.family('kafka_server_replicamanager_underreplicatedpartitions', 'gauge', 'Partitions this broker leads whose ISR is smaller than their replica set.').add('', underReplicated)
  out.family('kafka_server_replicamanager_underminisrpartitioncount', 'gauge', 'Partitions this broker leads whose ISR is below min.insync.replicas.').add('', underMinIsr)
  const counters = broker.replicas.counters
  out.family('kafka_server_replicamanager_isrshrinks_total', 'counter', 'ISR shrinks of partitions this broker leads.').add('', counters.isrShrinks)
  out.family('kafka_server_replicamanager_isrexpands_total', 'counter', 'ISR expands of partitions this broker leads.').add('', counters.isrExpands)
}

function writeController(out: Exposition, broker: BrokerContext): void {
  const active = broker.cluster.controllerId() === broker.nodeId
  out.family('kafka_controller_kafkacontroller_activecontrollercount', 'gauge', '1 on the active controller (a single broker is its own), else 0.').add('', active ? 1 : 0)
  // As Kafka, only the controller counts offline partitions; the others say 0, so a sum over
  // the cluster counts each partition once.
  let offline = 0
  if (active) {
    const metadata = broker.metadata
    const live = new Set(broker.cluster.brokers().map((b) => b.nodeId))
    for (const topic of metadata.topics()) {
      for (let index = 0; index < topic.partitions; index++) {
        const leader = metadata.partitionState(topic.name, index)?.leader ?? -1
        if (leader < 0 || !live.has(leader)) offline++
      }
    }
  }
  out.family('kafka_controller_kafkacontroller_offlinepartitionscount', 'gauge', 'Partitions without a live leader (reported by the controller).').add('', offline)
}
