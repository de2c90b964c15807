/**
 * Broker settings: Kafka's property names and defaults, gathered from (lowest to highest
 * precedence) the defaults, a server.properties file, SAMSA_<KEY> environment variables (dots as
 * underscores: SAMSA_NUM_PARTITIONS), `--set key=value`, and the convenience flags (--port,
 * --host, --data-dir, --node-id). An unknown or invalid setting stops the start with a message
 * that names it and where it came from.
 */
import { readFileSync } from 'node:fs'
import {
  type ConfigDef,
  LONG_MAX,
  booleanDef,
  doubleDef,
  formatValue,
  intDef,
  listDef,
  longDef,
  passwordDef,
  parseValue,
  stringDef,
  type ValueOf,
} from './config-def.js'
import { validateConnectionOverrides } from './connection-overrides.js'
import {
  DEFAULT_SECURITY_PROTOCOL_MAP,
  type Listener,
  formatHost,
  interBrokerListenerName,
  parseListenerAddress,
  parseListeners,
  parseSecurityProtocolMap,
} from './listener-config.js'
import { parseProperties } from './properties.js'
import { ListenerSaslSettings, type SaslConfigName, parseListenerPrefixedSaslKey, saslConfigDefs } from './sasl-config.js'
import { type TopicConfig, topicConfigDefs } from './topic-config.js'
import type { SecurityProtocol } from './listener-config.js'
import { ErrorCodes, SamsaError } from '../errors.js'

/** The authorizer.class.name values Samsa serves (both give Kafka's ACL semantics), and '' for none. */
export const AUTHORIZER_CLASS_NAMES = ['', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'kafka.security.authorizer.AclAuthorizer'] as const

export const brokerConfigDefs = {
  'node.id': intDef(1, 'this broker\'s id in the cluster', { min: 0 }),
  'broker.id': intDef(null, 'older name of node.id', { min: -1 }),
  'listeners': listDef(['PLAINTEXT://127.0.0.1:9092'], 'addresses the broker listens on, NAME://host:port, one per named listener (--port sets the PLAINTEXT one)'),
  'advertised.listeners': listDef([], 'addresses given to clients in Metadata, NAME://host:port; defaults to listeners'),
  'listener.security.protocol.map': listDef(DEFAULT_SECURITY_PROTOCOL_MAP, 'listener name to security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), NAME:PROTOCOL,...'),
  'inter.broker.listener.name': stringDef(null, 'the listener brokers use to reach each other (replication, coordinator requests); must be advertised'),
  'security.inter.broker.protocol': stringDef(null, 'older form of inter.broker.listener.name: the listener named like this protocol (default PLAINTEXT)'),
  'controller.listener.names': listDef([], 'KRaft controller listeners (not served by Samsa)'),
  'ssl.keystore.type': stringDef('PEM', 'format of the key store; Samsa reads PEM (convert JKS or PKCS12 with keytool/openssl)', ['PEM']),
  'ssl.keystore.location': stringDef(null, 'PEM file with the private key and its certificate chain (re-read when it changes)'),
  'ssl.keystore.password': passwordDef('key store password (not used for PEM files; see ssl.key.password)'),
  'ssl.keystore.certificate.chain': passwordDef('the certificate chain in PEM, inline (instead of ssl.keystore.location)'),
  'ssl.keystore.key': passwordDef('the private key in PEM, inline (instead of ssl.keystore.location)'),
  'ssl.key.password': passwordDef('password of an encrypted private key'),
  'ssl.truststore.type': stringDef('PEM', 'format of the trust store; Samsa reads PEM', ['PEM']),
  'ssl.truststore.location': stringDef(null, 'PEM file of the CA certificates trusted for peers\' certificates (re-read when it changes)'),
  'ssl.truststore.password': passwordDef('trust store password (not used for PEM files)'),
  'ssl.truststore.certificates': passwordDef('trusted CA certificates in PEM, inline (instead of ssl.truststore.location)'),
  'ssl.enabled.protocols': listDef(['TLSv1.2', 'TLSv1.3'], 'TLS versions accepted', ['TLSv1.2', 'TLSv1.3']),
  'ssl.protocol': stringDef('TLSv1.3', 'accepted for Kafka compatibility; the versions served and used come from ssl.enabled.protocols', ['TLSv1.2', 'TLSv1.3', 'TLS']),
  'ssl.cipher.suites': listDef([], 'cipher suites allowed (IANA names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, or OpenSSL names); empty: the defaults'),
  'ssl.client.auth': stringDef('none', 'client certificates: none, requested (verified when sent) or required', ['none', 'requested', 'required']),
  'ssl.principal.mapping.rules': stringDef('DEFAULT', 'how a client certificate\'s distinguished name becomes the principal: RULE:pattern/replacement/[LU],...,DEFAULT'),
  'ssl.endpoint.identification.algorithm': stringDef('https', 'as a client of other brokers: https checks the host name against their certificates; empty turns the check off'),
  'log.dirs': listDef(['./data'], 'directories that hold partition logs'),
  'log.dir': stringDef(null, 'older single-directory form of log.dirs'),
  'num.partitions': intDef(1, 'partitions of an auto-created topic', { min: 1 }),
  'default.replication.factor': intDef(1, 'replication factor of an auto-created topic', { min: 1 }),
  'auto.create.topics.enable': booleanDef(true, 'create a topic when a client asks for metadata of an unknown one'),
  'delete.topic.enable': booleanDef(true, 'allow DeleteTopics'),
  'message.max.bytes': intDef(1048588, 'largest record batch accepted (topic: max.message.bytes)', { min: 0 }),
  'socket.request.max.bytes': intDef(104857600, 'largest request frame; larger frames close the connection', { min: 1 }),
  'connections.max.idle.ms': longDef(600000, 'close connections idle this long', { min: -1 }),
  'fetch.max.bytes': intDef(57671680, 'largest fetch response the broker builds', { min: 1024 }),
  'max.request.partition.size.limit': intDef(2000, 'most partitions a DescribeTopicPartitions response describes (KIP-966)', { min: 1 }),
  'max.incremental.fetch.session.cache.slots': intDef(1000, 'incremental fetch sessions (KIP-227) the broker keeps over all clients; 0 disables them', { min: 0 }),
  'queued.max.request.bytes': longDef(-1, 'request bytes one connection may have read ahead of processing before the broker stops reading it; -1: 16 MiB (Kafka: over all connections)', { min: -1 }),
  'queued.max.requests': intDef(500, 'requests one connection may have read ahead of processing before the broker stops reading it (Kafka: over all connections)', { min: 1 }),
  'max.connections': intDef(2147483647, 'most connections over all Kafka listeners; more are closed at once', { min: 0 }),
  'max.connections.per.ip': intDef(2147483647, 'most connections from one IP address; more are closed at once', { min: 0 }),
  'max.connections.per.ip.overrides': { ...listDef([], 'per-IP limits that replace max.connections.per.ip for the addresses named, ip:count,...'), validate: validateConnectionOverrides },
  'max.connection.creation.rate': intDef(2147483647, 'most new connections per second over the broker; faster accepts are delayed (KIP-612)', { min: 0 }),
  'log.retention.hours': intDef(168, 'retention in hours (topic: retention.ms)'),
  'log.retention.minutes': intDef(null, 'retention in minutes; overrides log.retention.hours'),
  'log.retention.ms': longDef(null, 'retention in ms; overrides minutes and hours; -1 keeps forever', { min: -1 }),
  'log.retention.bytes': longDef(-1, 'size limit per partition (topic: retention.bytes)', { min: -1 }),
  'log.retention.check.interval.ms': longDef(300000, 'how often retention runs', { min: 1 }),
  'log.segment.bytes': intDef(1073741824, 'segment size (topic: segment.bytes)', { min: 14 }),
  'log.roll.hours': intDef(168, 'segment age that forces a roll (topic: segment.ms)', { min: 1 }),
  'log.roll.ms': longDef(null, 'segment age in ms; overrides log.roll.hours', { min: 1 }),
  'log.index.interval.bytes': intDef(4096, 'bytes between offset index entries', { min: 0 }),
  'log.index.size.max.bytes': intDef(10485760, 'largest offset index per segment', { min: 4 }),
  'log.flush.interval.messages': longDef(LONG_MAX, 'fsync after this many records (topic: flush.messages)', { min: 1 }),
  'log.flush.interval.ms': longDef(null, 'fsync after this many ms (topic: flush.ms)', { min: 0 }),
  'log.flush.scheduler.interval.ms': longDef(LONG_MAX, 'how often flush.ms is checked', { min: 0 }),
  'log.flush.offset.checkpoint.interval.ms': intDef(60000, 'how often recovery points are checkpointed', { min: 0 }),
  'log.cleanup.policy': listDef(['delete'], 'delete or compact (topic: cleanup.policy)', ['delete', 'compact']),
  'log.message.timestamp.type': stringDef('CreateTime', 'CreateTime or LogAppendTime', ['CreateTime', 'LogAppendTime']),
  'log.message.timestamp.before.max.ms': longDef(LONG_MAX, 'oldest accepted record timestamp, as an age', { min: 0 }),
  'log.message.timestamp.after.max.ms': longDef(LONG_MAX, 'newest accepted record timestamp, ahead of now', { min: 0 }),
  'log.segment.delete.delay.ms': longDef(60000, 'delay before a deleted segment file is removed', { min: 0 }),
  'log.cleaner.enable': booleanDef(true, 'run the log cleaner, which compacts topics with cleanup.policy=compact (__consumer_offsets among them)'),
  'log.cleaner.threads': intDef(1, 'logs cleaned at the same time', { min: 0 }),
  'log.cleaner.dedupe.buffer.size': longDef(134217728, 'memory for the key-to-offset maps of all cleaner threads together (24 bytes a key)', { min: 0 }),
  'log.cleaner.io.max.bytes.per.second': doubleDef(Number.MAX_VALUE, 'bytes read and written per second by all cleaner threads together'),
  'log.cleaner.backoff.ms': longDef(15000, 'pause of the cleaner when no log is dirty enough', { min: 0 }),
  'log.cleaner.delete.retention.ms': longDef(86400000, 'how long delete markers stay (topic: delete.retention.ms)', { min: 0 }),
  'log.cleaner.min.compaction.lag.ms': longDef(0, 'youngest record age eligible for compaction (topic: min.compaction.lag.ms)', { min: 0 }),
  'log.cleaner.max.compaction.lag.ms': longDef(LONG_MAX, 'oldest record age before compaction is forced (topic: max.compaction.lag.ms)', { min: 1 }),
  'log.cleaner.min.cleanable.ratio': doubleDef(0.5, 'dirty fraction of the log that triggers compaction (topic: min.cleanable.dirty.ratio)', { min: 0, max: 1 }),
  'log.message.downconversion.enable': booleanDef(true, 'convert batches for old consumers (topic: message.downconversion.enable; Samsa serves RecordBatch v2 only)'),
  'log.preallocate': booleanDef(false, 'preallocate segment files'),
  'compression.type': stringDef('producer', 'codec batches are stored in (topic: compression.type)', ['producer', 'uncompressed', 'none', 'gzip', 'snappy', 'lz4', 'zstd']),
  'min.insync.replicas': intDef(1, 'replicas needed for acks=all', { min: 1 }),
  'unclean.leader.election.enable': booleanDef(false, 'allow leaders from outside the ISR'),
  'replica.lag.time.max.ms': longDef(30000, 'follower lag before it leaves the ISR', { min: 0 }),
  'replica.fetch.wait.max.ms': intDef(500, 'longest a follower\'s fetch waits at the leader for data', { min: 0 }),
  'replica.fetch.min.bytes': intDef(1, 'bytes a follower\'s fetch waits for', { min: 1 }),
  'replica.fetch.max.bytes': intDef(1048576, 'bytes per partition a follower fetches at once', { min: 0 }),
  'replica.fetch.response.max.bytes': intDef(10485760, 'bytes a follower fetches at once over all partitions', { min: 0 }),
  'replica.fetch.backoff.ms': intDef(1000, 'pause after a follower\'s fetch failed', { min: 0 }),
  'replica.socket.timeout.ms': intDef(30000, 'how long a follower waits for a response beyond the fetch wait', { min: 1 }),
  'replica.high.watermark.checkpoint.interval.ms': longDef(5000, 'how often high watermarks are written to replication-offset-checkpoint', { min: 1 }),
  'num.replica.fetchers': intDef(1, 'fetchers per leader broker (Samsa keeps one connection per leader)', { min: 1 }),
  'replication.quota.window.num': intDef(11, 'samples the replication throttles measure their rate over', { min: 1 }),
  'replication.quota.window.size.seconds': intDef(1, 'length of one replication throttle sample', { min: 1 }),
  'broker.rack': stringDef(null, 'this broker\'s rack, for rack-aware replica placement'),
  'etcd.endpoints': listDef([], 'Samsa: etcd client URLs (http://host:port, comma-separated); set, the broker joins the cluster they coordinate (--etcd)'),
  'authorizer.class.name': {
    ...stringDef('', 'the authorizer: org.apache.kafka.metadata.authorizer.StandardAuthorizer (or kafka.security.authorizer.AclAuthorizer) checks every request against the ACLs; empty allows everything'),
    validate: (value: string) => ((AUTHORIZER_CLASS_NAMES as readonly string[]).includes(value)
      ? undefined
      : `Samsa has Kafka's ACL authorizer only: set ${AUTHORIZER_CLASS_NAMES[1]} (or ${AUTHORIZER_CLASS_NAMES[2]}), or leave it empty for none`),
  },
  'super.users': stringDef('', 'principals allowed everything when an authorizer is on, separated by semicolons (User:admin;User:CN=ops)'),
  'allow.everyone.if.no.acl.found': booleanDef(false, 'with an authorizer: allow a request on a resource that has no ACL at all'),
  'quota.window.num': intDef(11, 'samples the client quotas measure their rates over', { min: 1 }),
  'quota.window.size.seconds': intDef(1, 'length of one client quota sample', { min: 1 }),
  'gateway.auth': stringDef('none', 'Samsa: HTTP gateway authentication: none, or basic (HTTP Basic against the SASL PLAIN and SCRAM users; requests then run under the ACLs as User:<name>)', ['none', 'basic']),
  'http.port': intDef(8082, 'Samsa: port of the HTTP gateway (REST Proxy v2 API, WebSocket streams, /metrics, health, web console); 0 turns it off (--http-port)', { min: 0, max: 65535 }),
  'http.ssl.keystore.location': stringDef(null, 'Samsa: PEM file with the HTTP gateway\'s private key and certificate chain (as Kafka\'s PEM key store); when set, the gateway serves HTTPS and WSS only'),
  'http.ssl.key.password': stringDef(null, 'Samsa: password of the private key in http.ssl.keystore.location, when it is encrypted'),
  'http.host': stringDef(null, 'Samsa: address the HTTP gateway listens on; defaults to the first listener\'s host'),
  'http.request.max.bytes': intDef(8388608, 'Samsa: largest REST request body (a produce request\'s records); larger bodies get 413', { min: 1024 }),
  'http.consumer.instance.timeout.ms': intDef(300000, 'REST Proxy consumer.instance.timeout.ms: a REST consumer instance unused this long is deleted (and leaves its group)', { min: 1 }),
  'http.consumer.request.timeout.ms': intDef(1000, 'REST Proxy consumer.request.timeout.ms: longest wait of a GET records for new records', { min: 0 }),
  'http.consumer.request.max.bytes': intDef(67108864, 'REST Proxy consumer.request.max.bytes: most record bytes one GET records returns', { min: 1 }),
  'http.producer.request.timeout.ms': intDef(30000, 'Samsa: how long a REST produce waits for the in-sync replicas (acks=all) before a per-record timeout error', { min: 1 }),
  'etcd.prefix': stringDef('/samsa', 'Samsa: the key prefix of this cluster in etcd (several clusters may share one etcd)'),
  'broker.session.timeout.ms': intDef(9000, 'a broker whose etcd lease is not renewed for this long is dead to the controller', { min: 1000 }),
  'broker.heartbeat.interval.ms': intDef(2000, 'how often a broker renews its etcd lease', { min: 100 }),
  'controlled.shutdown.enable': booleanDef(true, 'hand leaderships to other in-sync replicas before a clean stop'),
  'auto.leader.rebalance.enable': booleanDef(true, 'move leadership back to preferred replicas when they are in sync'),
  'leader.imbalance.check.interval.seconds': longDef(300, 'how often the controller looks for leaders off their preferred replica', { min: 1 }),
  'leader.imbalance.per.broker.percentage': intDef(10, 'share of a broker\'s partitions led elsewhere that triggers a preferred-leader election', { min: 0, max: 100 }),
  'offsets.topic.num.partitions': intDef(50, 'partitions of __consumer_offsets', { min: 1 }),
  'offsets.topic.replication.factor': intDef(3, 'replication factor of __consumer_offsets (capped at the live brokers when it is created)', { min: 1 }),
  'offsets.topic.segment.bytes': intDef(104857600, 'segment size of __consumer_offsets', { min: 1 }),
  'offsets.retention.minutes': intDef(10080, 'how long offsets of an empty group are kept', { min: 1 }),
  'offsets.retention.check.interval.ms': longDef(600000, 'how often expired offsets are removed', { min: 1 }),
  'offset.metadata.max.bytes': intDef(4096, 'largest metadata string of a committed offset', { min: 0 }),
  'offsets.commit.timeout.ms': intDef(5000, 'how long an offset commit or group write waits for the in-sync replicas of __consumer_offsets before it fails', { min: 1 }),
  'offsets.snapshot.interval.ms': longDef(60000, 'Samsa: how often each changed __consumer_offsets partition writes a coordinator snapshot (start-up replays only the log after it)', { min: 1 }),
  'offsets.snapshot.records': intDef(100000, 'Samsa: records appended to a __consumer_offsets partition that trigger a snapshot before the interval ends', { min: 1 }),
  'group.initial.rebalance.delay.ms': intDef(3000, 'wait for more members before the first rebalance of an empty group', { min: 0 }),
  'group.min.session.timeout.ms': intDef(6000, 'smallest session timeout a member may ask for', { min: 0 }),
  'group.max.session.timeout.ms': intDef(1800000, 'largest session timeout a member may ask for', { min: 0 }),
  'group.max.size': intDef(2147483647, 'most members in one group', { min: 1 }),
  'group.coordinator.rebalance.protocols': listDef(['classic', 'consumer'], 'group protocols the coordinator serves: classic (JoinGroup/SyncGroup) and consumer (KIP-848 ConsumerGroupHeartbeat)', ['classic', 'consumer']),
  'group.consumer.session.timeout.ms': intDef(45000, 'KIP-848: a consumer-group member that does not heartbeat this long is removed', { min: 1 }),
  'group.consumer.min.session.timeout.ms': intDef(45000, 'KIP-848: lower bound of group.consumer.session.timeout.ms', { min: 1 }),
  'group.consumer.max.session.timeout.ms': intDef(60000, 'KIP-848: upper bound of group.consumer.session.timeout.ms', { min: 1 }),
  'group.consumer.heartbeat.interval.ms': intDef(5000, 'KIP-848: how often consumer-group members are told to heartbeat', { min: 1 }),
  'group.consumer.min.heartbeat.interval.ms': intDef(5000, 'KIP-848: lower bound of group.consumer.heartbeat.interval.ms', { min: 1 }),
  'group.consumer.max.heartbeat.interval.ms': intDef(15000, 'KIP-848: upper bound of group.consumer.heartbeat.interval.ms', { min: 1 }),
  'group.consumer.max.size': intDef(2147483647, 'KIP-848: most members in one consumer group', { min: 1 }),
  'group.consumer.assignors': listDef(['uniform', 'range'], 'KIP-848 server-side assignors, the first the default (uniform, range; Kafka\'s class names are accepted too)'),
  'group.consumer.migration.policy': stringDef('bidirectional', 'KIP-848: which live groups migrate between the classic and the consumer protocol (upgrade, downgrade, both or neither; empty groups always convert)', ['disabled', 'upgrade', 'downgrade', 'bidirectional']),
  'group.share.enable': booleanDef(true, 'KIP-932: serve share groups (ShareGroupHeartbeat, ShareFetch, ShareAcknowledge; ApiVersions share.version 1)'),
  'group.share.session.timeout.ms': intDef(45000, 'KIP-932: a share-group member that does not heartbeat this long is removed', { min: 1 }),
  'group.share.heartbeat.interval.ms': intDef(5000, 'KIP-932: how often share-group members are told to heartbeat', { min: 1 }),
  'group.share.min.session.timeout.ms': intDef(45000, 'KIP-932: lower bound of a share group\'s share.session.timeout.ms group config', { min: 1 }),
  'group.share.max.session.timeout.ms': intDef(60000, 'KIP-932: upper bound of a share group\'s share.session.timeout.ms group config', { min: 1 }),
  'group.share.min.heartbeat.interval.ms': intDef(5000, 'KIP-932: lower bound of a share group\'s share.heartbeat.interval.ms group config', { min: 1 }),
  'group.share.max.heartbeat.interval.ms': intDef(15000, 'KIP-932: upper bound of a share group\'s share.heartbeat.interval.ms group config', { min: 1 }),
  'group.share.min.record.lock.duration.ms': intDef(15000, 'KIP-932: lower bound of a share group\'s share.record.lock.duration.ms group config', { min: 1000, max: 3600000 }),
  'group.share.max.record.lock.duration.ms': intDef(60000, 'KIP-932: upper bound of a share group\'s share.record.lock.duration.ms group config', { min: 1000, max: 3600000 }),
  'group.share.max.size': intDef(200, 'KIP-932: most members in one share group', { min: 1, max: 1000 }),
  'group.share.record.lock.duration.ms': intDef(30000, 'KIP-932: how long a share-group member holds an acquired record before it goes to another', { min: 1, max: 3600000 }),
  'group.share.delivery.count.limit': intDef(5, 'KIP-932: delivery attempts of a record to a share group; past it the record is archived', { min: 2, max: 10 }),
  'group.share.max.share.sessions': intDef(2000, 'KIP-932: most share sessions this broker holds; a member opening one more is refused with SHARE_SESSION_LIMIT_REACHED', { min: 1 }),
  'group.share.partition.max.record.locks': intDef(2000, 'KIP-932: most in-flight records of one share-partition (the window past the start offset)', { min: 100, max: 10000 }),
  'share.coordinator.state.topic.num.partitions': intDef(50, 'KIP-932: partitions of __share_group_state (fixed once the topic exists: it decides which partition holds a share-partition\'s state)', { min: 1 }),
  'share.coordinator.state.topic.replication.factor': intDef(3, 'KIP-932: replication factor of __share_group_state (capped at the live brokers when it is created)', { min: 1, max: 32767 }),
  'share.coordinator.state.topic.min.isr': intDef(2, 'KIP-932: min.insync.replicas of __share_group_state (capped at its replication factor)', { min: 1, max: 32767 }),
  'share.coordinator.state.topic.segment.bytes': intDef(104857600, 'KIP-932: segment size of __share_group_state', { min: 1 }),
  'share.coordinator.snapshot.update.records.per.snapshot': intDef(500, 'KIP-932: ShareUpdate records written for a share-partition before the next write is a whole ShareSnapshot (bounds the replay when a coordinator loads)', { min: 0, max: 500 }),
  'share.coordinator.write.timeout.ms': intDef(5000, 'KIP-932: how long a write to __share_group_state waits for its in-sync replicas before it fails', { min: 1 }),
  'producer.id.expiration.ms': intDef(86400000, 'idle time after which an idempotent producer\'s state is dropped', { min: 1 }),
  'transaction.max.timeout.ms': intDef(900000, 'largest transaction timeout a producer may ask for', { min: 1 }),
  'transactional.id.expiration.ms': intDef(604800000, 'idle time after which a transactional id expires', { min: 1 }),
  'transaction.state.log.num.partitions': intDef(50, 'partitions of __transaction_state (fixed once the topic exists: it decides which partition holds a transactional id)', { min: 1 }),
  'transaction.state.log.replication.factor': intDef(3, 'replication factor of __transaction_state (capped at the live brokers when it is created)', { min: 1 }),
  'transaction.state.log.min.isr': intDef(2, 'min.insync.replicas of __transaction_state (capped at its replication factor)', { min: 1 }),
  'transaction.state.log.segment.bytes': intDef(104857600, 'segment size of __transaction_state', { min: 1 }),
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': intDef(10000, 'how often the transaction coordinator aborts transactions open longer than their timeout', { min: 1 }),
  'transaction.remove.expired.transaction.cleanup.interval.ms': intDef(3600000, 'how often the transaction coordinator removes transactional ids idle past transactional.id.expiration.ms', { min: 1 }),
  'transaction.state.write.timeout.ms': intDef(5000, 'Samsa: how long a write to __transaction_state waits for its in-sync replicas before the request fails (Kafka uses request.timeout.ms)', { min: 1 }),
  ...saslConfigDefs,
} as const satisfies Record<string, ConfigDef<any>>

/**
 * Settings Kafka's sample server.properties files contain that have no meaning in Samsa (thread
 * pools, ZooKeeper, KRaft controller wiring). They are accepted with a warning so an existing
 * Kafka configuration starts as it is; anything else unknown is an error.
 */
const ignoredKafkaSettings = new Set([
  'num.network.threads', 'num.io.threads', 'socket.send.buffer.bytes', 'socket.receive.buffer.bytes',
  'num.recovery.threads.per.data.dir', 'background.threads',
  'share.coordinator.state.topic.replication.factor',
  'share.coordinator.state.topic.min.isr', 'zookeeper.connect', 'zookeeper.connection.timeout.ms',
  'process.roles', 'controller.quorum.voters', 'controller.quorum.bootstrap.servers',
  'metadata.log.dir',
])

export type BrokerConfigName = keyof typeof brokerConfigDefs
export type BrokerSettings = { -readonly [K in BrokerConfigName]: ValueOf<(typeof brokerConfigDefs)[K]> | null }

/** Where an effective value came from (DescribeConfigs reports it as the config source). */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag'

export interface ConfigSources {
  /** Path of a server.properties file. */
  readonly file?: string
  /** `key=value` strings from repeated --set flags. */
  readonly set?: readonly string[]
  /**
   * Properties an embedder passed to startBroker(), as text; errors name them "option 'key'".
   * Applied after --set, before the convenience flags.
   */
  readonly options?: Readonly<Record<string, string>>
  /** Usually process.env; only SAMSA_* variables are read. */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly port?: string
  readonly host?: string
  readonly dataDir?: string
  readonly nodeId?: string
  /** --etcd: etcd.endpoints, comma-separated. */
  readonly etcd?: string
  /** --http-port: http.port. */
  readonly httpPort?: string
}

export type { Listener, SecurityProtocol } from './listener-config.js'

export class BrokerConfig {
  readonly #values: BrokerSettings
  readonly #sources: Map<BrokerConfigName, ConfigSource>
  /** listener.name.<listener>[.<mechanism>].<sasl setting> overrides (sasl-config.ts). */
  readonly #listenerSasl: ListenerSaslSettings
  /** Human-readable warnings (ignored Kafka settings) for the start-up log. */
  readonly warnings: readonly string[]
  /** `listener.name.<listener>.<setting>` values, by upper-case listener name. */
  readonly #listenerOverrides: ReadonlyMap<string, ReadonlyMap<string, unknown>>

  private constructor(
    values: BrokerSettings,
    sources: Map<BrokerConfigName, ConfigSource>,
    warnings: string[],
    listenerSasl: ListenerSaslSettings,
    listenerOverrides: ReadonlyMap<string, ReadonlyMap<string, unknown>>,
  ) {
    this.#values = values
    this.#sources = sources
    this.#listenerSasl = listenerSasl
    this.warnings = warnings
    this.#listenerOverrides = listenerOverrides
  }

  /**
   * A setting as one listener sees it: `listener.name.<listener>.<name>` when set, else the
   * broker-wide value (Kafka's per-listener overrides, e.g. listener.name.internal.ssl.client.auth).
   */
  forListener<K extends BrokerConfigName>(listenerName: string, name: K): BrokerSettings[K] {
    const override = this.#listenerOverrides.get(listenerName.toUpperCase())
    if (override?.has(name) === true) return override.get(name) as BrokerSettings[K]
    return this.#values[name]
  }

  /**
   * A listener-scoped setting that has no broker-wide form (SASL's
   * `listener.name.<l>.<mechanism>.sasl.jaas.config`), as text; undefined when not set.
   */
  listenerSetting(listenerName: string, key: string): string | undefined {
    const value = this.#listenerOverrides.get(listenerName.toUpperCase())?.get(key)
    return typeof value === 'string' ? value : undefined
  }

  /** Builds the effective configuration. Throws SAMSA_CONFIG naming the setting and its origin. */
  static load(sources: ConfigSources = {}): BrokerConfig {
    const values = {} as Record<string, unknown>
    const origin = new Map<BrokerConfigName, ConfigSource>()
    const warnings: string[] = []
    const listenerSasl = new ListenerSaslSettings()
    for (const [name, def] of Object.entries(brokerConfigDefs)) values[name] = def.default

    const listenerOverrides = new Map<string, Map<string, unknown>>()
    const apply = (name: string, text: string, source: ConfigSource, where: string): void => {
      // SASL settings per listener (and mechanism) are resolved by sasl-config.ts; the other
      // listener-scoped ones (ssl.*) by applyListenerOverride.
      const prefixed = parseListenerPrefixedSaslKey(name)
      if (prefixed !== null) {
        try {
          listenerSasl.set(name, prefixed, text)
        } catch (error) {
          throw new SamsaError(ErrorCodes.CONFIG, `${(error as Error).message} (${where})`)
        }
        return
      }
      const scoped = LISTENER_SCOPED.exec(name)
      if (scoped !== null) {
        applyListenerOverride(listenerOverrides, scoped[1]!.toUpperCase(), scoped[2]!, text, where)
        return
      }
      if (ignoredKafkaSettings.has(name)) {
        warnings.push(`${name} (${where}) has no effect in Samsa and is ignored`)
        return
      }
      if (!Object.hasOwn(brokerConfigDefs, name)) {
        throw new SamsaError(ErrorCodes.CONFIG, `Unknown setting ${name} (${where}). Settings use Kafka's broker property names.`)
      }
      const key = name as BrokerConfigName
      try {
        values[key] = parseValue(name, brokerConfigDefs[key] as ConfigDef<unknown>, text)
      } catch (error) {
        throw new SamsaError(ErrorCodes.CONFIG, `${(error as Error).message} (${where})`)
      }
      origin.set(key, source)
    }

    if (sources.file !== undefined) {
      let text: string
      try {
        text = readFileSync(sources.file, 'utf8')
      } catch (error) {
        throw new SamsaError(ErrorCodes.CONFIG, `Cannot read config file ${sources.file}: ${(error as Error).message}`)
      }
      for (const entry of parseProperties(text)) apply(entry.key, entry.value, 'file', `${sources.file}:${entry.line}`)
    }
    for (const [variable, text] of Object.entries(sources.env ?? {})) {
      if (!variable.startsWith('SAMSA_') || text === undefined) continue
      const name = variable.slice('SAMSA_'.length).toLowerCase().replaceAll('_', '.')
      apply(name, text, 'env', `environment variable ${variable}`)
    }
    for (const pair of sources.set ?? []) {
      const eq = pair.indexOf('=')
      if (eq <= 0) throw new SamsaError(ErrorCodes.CONFIG, `--set expects key=value, got '${pair}'.`)
      apply(pair.slice(0, eq).trim(), pair.slice(eq + 1), 'flag', `--set ${pair}`)
    }
    for (const [name, text] of Object.entries(sources.options ?? {})) apply(name, text, 'flag', `option '${name}'`)
    if (sources.dataDir !== undefined) apply('log.dirs', sources.dataDir, 'flag', '--data-dir')
    if (sources.nodeId !== undefined) apply('node.id', sources.nodeId, 'flag', '--node-id')
    if (sources.etcd !== undefined) apply('etcd.endpoints', sources.etcd, 'flag', '--etcd')
    if (sources.httpPort !== undefined) apply('http.port', sources.httpPort, 'flag', '--http-port')
    if (sources.port !== undefined || sources.host !== undefined) {
      // --port and --host are the PLAINTEXT listener's shorthand; other listeners keep theirs.
      const entries = values['listeners'] as string[]
      const protocols = parseSecurityProtocolMap(values['listener.security.protocol.map'] as string[])
      const index = entries.findIndex((text) => protocols.get(parseListenerAddress(text, 'listeners').name) === 'PLAINTEXT')
      const port = sources.port
      if (port !== undefined && (!/^\d+$/.test(port) || Number(port) > 65535)) {
        throw new SamsaError(ErrorCodes.CONFIG, `Invalid value '${port}' for --port: expected a port number 0-65535.`)
      }
      if (index < 0) {
        warnings.push('--port/--host set the PLAINTEXT listener, and listeners has none; they are ignored (give each listener its port in listeners)')
      } else {
        const current = parseListenerAddress(entries[index]!, 'listeners')
        const replaced = `${current.name}://${formatHost(sources.host ?? current.host)}:${port ?? current.port}`
        apply('listeners', entries.map((text, i) => (i === index ? replaced : text)).join(','), 'flag', '--port/--host')
      }
    }

    // Kafka's older names win only when the newer one was left at its default.
    if (values['broker.id'] !== null && !origin.has('node.id')) values['node.id'] = values['broker.id']
    if (values['log.dir'] !== null && !origin.has('log.dirs')) values['log.dirs'] = [values['log.dir']]

    const config = new BrokerConfig(values as BrokerSettings, origin, warnings, listenerSasl, listenerOverrides)
    // Validates the listener settings now rather than at bind time.
    config.interBrokerListenerName(config.advertisedListeners())
    for (const endpoint of config.get('etcd.endpoints')) checkEtcdEndpoint(endpoint, config.sourceOf('etcd.endpoints'))
    checkConsumerGroupSettings(config)
    if (config.get('log.dirs').length !== 1) {
      throw new SamsaError(ErrorCodes.CONFIG, 'log.dirs: Samsa supports exactly one log directory per broker.')
    }
    return config
  }

  get<K extends BrokerConfigName>(name: K): NonNullable<BrokerSettings[K]> {
    return this.#values[name] as NonNullable<BrokerSettings[K]>
  }

  /** Like get, but keeps `null` for settings that have no default and were not set. */
  getOptional<K extends BrokerConfigName>(name: K): BrokerSettings[K] {
    return this.#values[name]
  }

  /**
   * A SASL setting as it applies to one listener (and mechanism): the
   * listener.name.<listener>.<mechanism>.<setting> override, else listener.name.<listener>.<setting>,
   * else the broker-wide setting, as Kafka resolves them.
   */
  saslSetting<K extends SaslConfigName>(listener: string, mechanism: string | null, name: K): BrokerSettings[K] {
    const override = this.#listenerSasl.get(listener, mechanism, name)
    return (override === undefined ? this.#values[name] : override) as BrokerSettings[K]
  }

  sourceOf(name: BrokerConfigName): ConfigSource {
    return this.#sources.get(name) ?? 'default'
  }

  /** Text form of a setting as DescribeConfigs reports it. */
  describe(name: BrokerConfigName): string | null {
    return formatValue(brokerConfigDefs[name], this.#values[name])
  }

  get nodeId(): number {
    return this.get('node.id')
  }

  get dataDir(): string {
    return this.get('log.dirs')[0]!
  }

  /** True when etcd.endpoints names a cluster to join; a broker without it is a cluster of one. */
  get clusterMode(): boolean {
    return this.get('etcd.endpoints').length > 0
  }

  /** The listeners to bind, each with its security protocol (controller listeners are skipped). */
  listeners(): Listener[] {
    const controllers = new Set(this.get('controller.listener.names').map((name) => name.toUpperCase()))
    const result = parseListeners(this.get('listeners'), 'listeners', this.securityProtocolMap(), controllers)
    if (result.length === 0) throw new SamsaError(ErrorCodes.CONFIG, 'listeners: no listener is configured (controller listeners are not served by Samsa).')
    return result
  }

  /** listener.security.protocol.map, listener name → protocol. */
  securityProtocolMap(): Map<string, SecurityProtocol> {
    return parseSecurityProtocolMap(this.get('listener.security.protocol.map'))
  }

  /**
   * What Metadata tells clients to connect to, per listener name: advertised.listeners when set
   * (each must name a listener), otherwise the bound listeners with a routable host.
   */
  advertisedListeners(bound: readonly Listener[] = this.listeners()): Listener[] {
    const entries = this.get('advertised.listeners')
    if (entries.length === 0) {
      return bound.map((l) => ({ ...l, host: l.host === '' || l.host === '0.0.0.0' || l.host === '::' ? '127.0.0.1' : l.host }))
    }
    const controllers = new Set(this.get('controller.listener.names').map((name) => name.toUpperCase()))
    const advertised = parseListeners(entries, 'advertised.listeners', this.securityProtocolMap(), controllers)
    for (const listener of advertised) {
      if (!bound.some((l) => l.name === listener.name)) {
        throw new SamsaError(
          ErrorCodes.CONFIG,
          `advertised.listeners: ${listener.name} is not a listener (listeners: ${bound.map((l) => l.name).join(', ')}); advertise only listeners the broker binds.`,
        )
      }
    }
    return advertised
  }

  /** The name of the listener other brokers reach this one through (replication, peer requests). */
  interBrokerListenerName(advertised: readonly Listener[] = this.advertisedListeners()): string {
    return interBrokerListenerName(
      this.getOptional('inter.broker.listener.name'),
      this.getOptional('security.inter.broker.protocol'),
      advertised,
      this.clusterMode,
    )
  }

  /** Topic defaults derived from the broker settings, as Kafka derives them. */
  topicDefaults(): TopicConfig {
    const hoursToMs = (h: number): number => h * 3_600_000
    const retentionMs = this.getOptional('log.retention.ms')
      ?? (this.getOptional('log.retention.minutes') !== null ? this.get('log.retention.minutes') * 60_000 : hoursToMs(this.get('log.retention.hours')))
    const defaults = Object.fromEntries(
      Object.entries(topicConfigDefs).map(([name, def]) => [name, def.default]),
    ) as TopicConfig
    return {
      ...defaults,
      'cleanup.policy': this.get('log.cleanup.policy'),
      'compression.type': this.get('compression.type'),
      'retention.ms': retentionMs,
      'retention.bytes': this.get('log.retention.bytes'),
      'segment.bytes': this.get('log.segment.bytes'),
      'segment.ms': this.getOptional('log.roll.ms') ?? hoursToMs(this.get('log.roll.hours')),
      'segment.index.bytes': this.get('log.index.size.max.bytes'),
      'index.interval.bytes': this.get('log.index.interval.bytes'),
      'max.message.bytes': this.get('message.max.bytes'),
      'min.insync.replicas': this.get('min.insync.replicas'),
      'message.timestamp.type': this.get('log.message.timestamp.type'),
      'message.timestamp.before.max.ms': this.get('log.message.timestamp.before.max.ms'),
      'message.timestamp.after.max.ms': this.get('log.message.timestamp.after.max.ms'),
      'flush.messages': this.get('log.flush.interval.messages'),
      'flush.ms': this.getOptional('log.flush.interval.ms') ?? this.get('log.flush.scheduler.interval.ms'),
      'file.delete.delay.ms': this.get('log.segment.delete.delay.ms'),
      'delete.retention.ms': this.get('log.cleaner.delete.retention.ms'),
      'min.compaction.lag.ms': this.get('log.cleaner.min.compaction.lag.ms'),
      'max.compaction.lag.ms': this.get('log.cleaner.max.compaction.lag.ms'),
      'min.cleanable.dirty.ratio': this.get('log.cleaner.min.cleanable.ratio'),
      'message.downconversion.enable': this.get('log.message.downconversion.enable'),
      'unclean.leader.election.enable': this.get('unclean.leader.election.enable'),
      'preallocate': this.get('log.preallocate'),
    }
  }
}

/** `listener.name.<listener>.<setting>`: a per-listener override, as Kafka spells it. */
const LISTENER_SCOPED = /^listener\.name\.([A-Za-z0-9_]+)\.(.+)$/
/** Listener-scoped settings with no broker-wide form, kept as text: `<mechanism>.sasl.jaas.config` and kin. */
const MECHANISM_SCOPED = /^[a-z0-9-]+\.(sasl\.[a-z.]+|connections\.max\.reauth\.ms)$/

function applyListenerOverride(overrides: Map<string, Map<string, unknown>>, listenerName: string, key: string, text: string, where: string): void {
  let value: unknown
  if (Object.hasOwn(brokerConfigDefs, key) && (key.startsWith('ssl.') || key.startsWith('sasl.') || key === 'connections.max.reauth.ms')) {
    try {
      value = parseValue(`listener.name.${listenerName.toLowerCase()}.${key}`, brokerConfigDefs[key as BrokerConfigName] as ConfigDef<unknown>, text)
    } catch (error) {
      throw new SamsaError(ErrorCodes.CONFIG, `${(error as Error).message} (${where})`)
    }
  } else if (MECHANISM_SCOPED.test(key) || key.startsWith('sasl.') || key === 'connections.max.reauth.ms') {
    value = text.trim()
  } else {
    throw new SamsaError(
      ErrorCodes.CONFIG,
      `Unknown setting listener.name.${listenerName.toLowerCase()}.${key} (${where}): a listener may override ssl.*, sasl.* and <mechanism>.sasl.* settings.`,
    )
  }
  let forListener = overrides.get(listenerName)
  if (forListener === undefined) overrides.set(listenerName, (forListener = new Map()))
  forListener.set(key, value)
}

/** An etcd endpoint must be an http(s) URL with a host and port, as etcd's clients take them. */
function checkEtcdEndpoint(endpoint: string, source: ConfigSource): void {
  let url: URL | undefined
  try {
    url = new URL(endpoint)
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.port === '') {
    const where = source === 'flag' ? '--etcd or --set etcd.endpoints' : `etcd.endpoints (${source})`
    throw new SamsaError(ErrorCodes.CONFIG, `Invalid etcd endpoint '${endpoint}' in ${where}: expected a URL such as http://127.0.0.1:2379.`)
  }
}

export function isBrokerConfigName(name: string): name is BrokerConfigName {
  return Object.hasOwn(brokerConfigDefs, name)
}

/** Kafka's checks between the KIP-848 group settings: each timeout within its bounds, assignors known. */
function checkConsumerGroupSettings(config: BrokerConfig): void {
  const within = (name: BrokerConfigName, min: BrokerConfigName, max: BrokerConfigName): void => {
    const value = config.get(name) as number
    if (value < (config.get(min) as number) || value > (config.get(max) as number)) {
      throw new SamsaError(ErrorCodes.CONFIG, `${name} (${value}) must be between ${min} (${String(config.get(min))}) and ${max} (${String(config.get(max))}).`)
    }
  }
  within('group.consumer.session.timeout.ms', 'group.consumer.min.session.timeout.ms', 'group.consumer.max.session.timeout.ms')
  within('group.consumer.heartbeat.interval.ms', 'group.consumer.min.heartbeat.interval.ms', 'group.consumer.max.heartbeat.interval.ms')
  if (config.get('group.consumer.heartbeat.interval.ms') >= config.get('group.consumer.session.timeout.ms')) {
    throw new SamsaError(ErrorCodes.CONFIG, 'group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms.')
  }
  const assignors = config.get('group.consumer.assignors')
  const unknown = assignors.find((a) => consumerAssignorName(a) === null)
  if (unknown !== undefined) throw new SamsaError(ErrorCodes.CONFIG, `group.consumer.assignors: '${unknown}' is not an assignor Samsa has (uniform, range).`)
  if (assignors.length === 0) throw new SamsaError(ErrorCodes.CONFIG, 'group.consumer.assignors must name at least one assignor (uniform, range).')
}

/** The short name of a server-side assignor, from its short name or Kafka's class name; null if unknown. */
export function consumerAssignorName(name: string): 'uniform' | 'range' | null {
  switch (name) {
    case 'uniform':
    case 'org.apache.kafka.coordinator.group.assignor.UniformAssignor':
      return 'uniform'
    case 'range':
    case 'org.apache.kafka.coordinator.group.assignor.RangeAssignor':
      return 'range'
    default:
      return null
  }
}
