/**
 * The sans-I/O Kafka protocol layer: primitives, message descriptions and their codec, headers,
 * whole frames, RecordBatch v2. Nothing here touches a socket or a file; everything is
 * synchronous and imports only src/common.
 */
export { ApiKeys, apiKeyName, type ApiKey, type ApiKeyName } from './api-keys.js'
export * from './control-records.js'
export { type Crc32c, crc32c } from './crc32c.js'
export { KafkaErrorCodes, allKafkaErrors, kafkaError, type KafkaErrorInfo, type KafkaErrorName } from './error-codes.js'
export * from './frames.js'
export * from './headers.js'
export { MessageSchema, defineMessage, type MessageDefinition, type MessageInput, type MessageType } from './message.js'
export * from './messages/index.js'
export * from './record-batch.js'
export * from './records.js'
export { Reader } from './reader.js'
export { Field, field, inVersions, parseVersions, type Fields, type FieldKind, type FieldOptions, type StructInput, type StructOf, type VersionRange } from './schema.js'
export { METADATA_TOPIC_UUID, ZERO_UUID, isUuid, randomUuid, uuidFromBytes, uuidToBytes } from './uuid.js'
export { Writer, flattenChunks, type ExternalChunk, type OutputChunk, type WriterOutput } from './writer.js'
export { RECORDS_BY_REFERENCE_BYTES } from './codec.js'
