/**
 * `samsa/testing`: helpers for tests against Kafka, for vitest and jest. `useBroker()` gives
 * each test file its own in-process broker (and each test its own topics), or the run's shared
 * one when a global setup started it (`startSharedBroker`); `produceAndWait` and
 * `waitForMessages` work against any broker. See README "Samsa as a library".
 */
export { type TestBroker, type TestHooks, type TopicOptions, type UseBrokerOptions, useBroker } from './broker-fixture.js'
export {
  type BrokerTarget,
  type ProduceAndWaitOptions,
  type TestMessage,
  type WaitForMessagesOptions,
  bootstrapServersOf,
  produceAndWait,
  waitForMessages,
} from './messages.js'
export { SHARED_BROKER_VARIABLE, sharedBrokerServers, startSharedBroker } from './shared-broker.js'
export type { ConsumerRecord } from '../client/consumer.js'
export type { RecordMetadata } from '../client/producer.js'
