/**
 * `samsa/client`: Samsa's lean Kafka client (Producer, Consumer, Admin), what the `samsa` CLI
 * tools and the benchmark harness use, usable against any Kafka-compatible broker. See README
 * "Samsa as a library". Errors are SamsaErrors with a stable `code`; those a broker answered
 * with a Kafka error code are KafkaErrors, which carry it (`errorCode`, `errorName`).
 */
export { Admin, type NewTopic, type PartitionOffsets, type TopicConfigEntry, type TopicDescription } from './admin.js'
export { assignPartitions, type AssignorName } from './assignors.js'
export { type BrokerInfo, type ClientOptions, Cluster, DEFAULT_BOOTSTRAP, type PartitionInfo, type TopicInfo, parseHostPort } from './cluster.js'
export { BrokerConnection, type ConnectionOptions } from './connection.js'
export { Consumer, type ConsumerOptions, type ConsumerRecord, type StartPosition, type TopicPartitionStart } from './consumer.js'
export { Producer, type ProducerOptions, type ProducerRecord, type RecordMetadata } from './producer.js'
export { KafkaError } from './kafka-error.js'
export { type ErrorCode, ErrorCodes, SamsaError } from '../common/errors.js'
