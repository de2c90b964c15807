import { expect, test } from 'vitest'
import { ApiKeys, apiKeyName } from '../../../src/protocol/api-keys.js'

test('names every key from 0 to 92, each once', () => {
  const keys = Object.values(ApiKeys)
  expect([...keys].sort((a, b) => a - b)).toEqual(Array.from({ length: 93 }, (_, i) => i))
})

test('apiKeyName gives Kafka names and marks unassigned keys', () => {
  expect(apiKeyName(ApiKeys.Produce)).toBe('Produce')
  expect(apiKeyName(18)).toBe('ApiVersions')
  expect(apiKeyName(60)).toBe('DescribeCluster')
  expect(apiKeyName(500)).toBe('Unknown(500)')
})
