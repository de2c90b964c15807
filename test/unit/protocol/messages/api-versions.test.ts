import { expect, test } from 'vitest'
import { apiVersionsResponse } from '../../../../src/protocol/messages/api-versions.js'

const body = {
  errorCode: 0,
  apiKeys: [
    { apiKey: 0, minVersion: 0, maxVersion: 11 },
    { apiKey: 18, minVersion: 0, maxVersion: 4 },
  ],
  throttleTimeMs: 0,
}

test('v0 is the error code and an INT32 array of ranges', () => {
  expect(apiVersionsResponse.encode(body, 0).toBuffer().toString('hex')).toBe(
    '0000' + '00000002' + '00000000000b' + '001200000004',
  )
})

test('v3 uses a compact array, per-entry tag sections and no tagged fields at their defaults', () => {
  expect(apiVersionsResponse.encode(body, 3).toBuffer().toString('hex')).toBe(
    '0000' + '03' + '00000000000b00' + '00120000000400' + '00000000' + '00',
  )
})

test('feature tags travel in tag order and decode back', () => {
  const withFeatures = {
    ...body,
    supportedFeatures: [{ name: 'metadata.version', minVersion: 1, maxVersion: 20 }],
    finalizedFeaturesEpoch: 5n,
    finalizedFeatures: [],
    zkMigrationReady: true,
  }
  const bytes = apiVersionsResponse.encode(withFeatures, 4).toBuffer()
  const decoded = apiVersionsResponse.decode(bytes, 4)
  expect(decoded).toEqual({ ...withFeatures, finalizedFeatures: [] })
  // Three tags written in order: 0 (23 bytes), 1 (INT64), 3 (BOOLEAN); tag 2 is at its default.
  const hex = bytes.toString('hex')
  expect(hex).toContain('00000000' + '03' + '0017')
  expect(hex.endsWith('0108' + '0000000000000005' + '030101')).toBe(true)
})
