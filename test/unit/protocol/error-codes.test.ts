import { expect, test } from 'vitest'
import { KafkaErrorCodes, allKafkaErrors, kafkaError } from '../../../src/protocol/error-codes.js'

test('every code from -1 to 133 is named, described and unique', () => {
  const all = allKafkaErrors()
  expect(all.map((e) => e.code)).toEqual(Array.from({ length: 135 }, (_, i) => i - 1))
  expect(new Set(all.map((e) => e.name)).size).toBe(all.length)
  for (const error of all) {
    expect(error.name).toMatch(/^[A-Z][A-Z0-9_]+$/)
    expect(error.message.length).toBeGreaterThan(5)
    expect(KafkaErrorCodes[error.name as keyof typeof KafkaErrorCodes]).toBe(error.code)
  }
})

test('the codes brokers and clients depend on have the right numbers and retry semantics', () => {
  expect(KafkaErrorCodes.NONE).toBe(0)
  expect(KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION).toBe(3)
  expect(KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER).toBe(6)
  expect(KafkaErrorCodes.UNSUPPORTED_VERSION).toBe(35)
  expect(KafkaErrorCodes.MEMBER_ID_REQUIRED).toBe(79)
  expect(KafkaErrorCodes.UNKNOWN_TOPIC_ID).toBe(100)
  expect(kafkaError(6).retriable).toBe(true)
  expect(kafkaError(14).retriable).toBe(true)
  expect(kafkaError(27).retriable).toBe(false) // REBALANCE_IN_PROGRESS: rejoin, do not retry
  expect(kafkaError(35).retriable).toBe(false)
  expect(kafkaError(45).retriable).toBe(false)
})

test('unknown codes get a generic non-retriable description', () => {
  expect(kafkaError(4000)).toEqual({ code: 4000, name: 'UNKNOWN_ERROR_4000', retriable: false, message: 'Kafka error code 4000.' })
})
