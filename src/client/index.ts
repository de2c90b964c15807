/**
 * Samsa's lean Kafka client: what the `samsa` CLI tools and the benchmark harness use, usable
 * against any Kafka-compatible broker. See README "Embedding the client".
 */
export { Admin, type NewTopic, type PartitionOffsets, type TopicConfigEntry, type TopicDescription } from './admin.js'
export { assignPartitions, type AssignorName } from './assignors.js'
export { type BrokerInfo, type ClientOptions, Cluster, DEFAULT_BOOTSTRAP, type PartitionInfo, type TopicInfo, parseHostPort } from './cluster.js'
export { BrokerConnection, type ConnectionOptions } from './connection.js'
export { Consumer, type ConsumerOptions, type ConsumerRecord, type StartPosition, type TopicPartitionStart } from './consumer.js'
export { Producer, type ProducerOptions, type ProducerRecord, type RecordMetadata } from './producer.js'
