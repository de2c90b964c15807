/**
 * The `samsa` package's main entry: an in-process Kafka-compatible broker for tests and for
 * services that embed one. The lean client is `samsa/client`, test helpers `samsa/testing`,
 * the storage log `samsa/log`. See README "Samsa as a library".
 */
export {
  Broker,
  type BrokerOptions,
  type BrokerProperties,
  type BrokerPropertyValue,
  type CreateTopicOptions,
  embeddedDefaults,
  startBroker,
} from './start-broker.js'
export type { BrokerConfigName } from './common/config/broker-config.js'
export { type ErrorCode, ErrorCodes, SamsaError } from './common/errors.js'
export type { LogLevel } from './common/logger.js'
export { TopicError } from './metadata/metadata-store.js'
