import { describe, expect, test } from 'vitest'
import { ApiKeys } from '../../../src/protocol/api-keys.js'
import {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../../src/protocol/headers.js'
import { Reader } from '../../../src/protocol/reader.js'
import { Writer } from '../../../src/protocol/writer.js'

describe('which header version a request uses', () => {
  test('v2 from the first flexible version of an API, v1 before it', () => {
    expect(requestHeaderVersion(ApiKeys.Produce, 8)).toBe(1)
    expect(requestHeaderVersion(ApiKeys.Produce, 9)).toBe(2)
    expect(requestHeaderVersion(ApiKeys.Fetch, 11)).toBe(1)
    expect(requestHeaderVersion(ApiKeys.Fetch, 12)).toBe(2)
    expect(requestHeaderVersion(ApiKeys.DescribeCluster, 0)).toBe(2)
  })

  test('APIs that are never flexible always use v1', () => {
    expect(requestHeaderVersion(ApiKeys.SaslHandshake, 1)).toBe(1)
    expect(requestHeaderVersion(ApiKeys.OffsetDelete, 0)).toBe(1)
  })

  test('versions above what we serve still follow the flexible rule (ApiVersions v5 has a v2 header)', () => {
    expect(requestHeaderVersion(ApiKeys.ApiVersions, 5)).toBe(2)
  })

  test('ControlledShutdown v0 has no client id (v0); unknown APIs are read as v1', () => {
    expect(requestHeaderVersion(ApiKeys.ControlledShutdown, 0)).toBe(0)
    expect(requestHeaderVersion(ApiKeys.DescribeDelegationToken, 2)).toBe(1)
    expect(requestHeaderVersion(999, 0)).toBe(1)
  })
})

describe('which header version a response uses', () => {
  test('v1 for flexible versions, v0 otherwise', () => {
    expect(responseHeaderVersion(ApiKeys.Metadata, 8)).toBe(0)
    expect(responseHeaderVersion(ApiKeys.Metadata, 9)).toBe(1)
  })

  test('ApiVersions responses always use v0, even when their body is flexible', () => {
    expect(responseHeaderVersion(ApiKeys.ApiVersions, 3)).toBe(0)
    expect(responseHeaderVersion(ApiKeys.ApiVersions, 4)).toBe(0)
  })
})

describe('request headers', () => {
  test('round-trip v1 and v2 headers, with and without a client id', () => {
    for (const [apiKey, apiVersion, clientId] of [
      [ApiKeys.Produce, 7, 'kafkajs'],
      [ApiKeys.Produce, 9, 'rdkafka'],
      [ApiKeys.Metadata, 12, null],
    ] as const) {
      const w = new Writer()
      encodeRequestHeader(w, { apiKey, apiVersion, correlationId: 42, clientId })
      const reader = new Reader(w.toBuffer())
      expect(decodeRequestHeader(reader)).toEqual({
        apiKey,
        apiVersion,
        correlationId: 42,
        clientId,
        headerVersion: requestHeaderVersion(apiKey, apiVersion),
      })
      expect(reader.remaining).toBe(0)
    }
  })

  test('client_id stays an INT16 string in v2 and header tags are skipped', () => {
    const bytes = Buffer.from('0012' + '0003' + '00000007' + '0003616263' + '01' + '05' + '02' + 'abcd', 'hex')
    const reader = new Reader(bytes)
    expect(decodeRequestHeader(reader)).toMatchObject({ apiKey: 18, apiVersion: 3, correlationId: 7, clientId: 'abc', headerVersion: 2 })
    expect(reader.remaining).toBe(0)
  })

  test('the header of an unknown API is returned as read, for the broker to decide', () => {
    const bytes = Buffer.from('03e7' + '0001' + '00000009' + 'ffff' + 'deadbeef', 'hex')
    const reader = new Reader(bytes)
    expect(decodeRequestHeader(reader)).toEqual({ apiKey: 999, apiVersion: 1, correlationId: 9, clientId: null, headerVersion: 1 })
    expect(reader.remaining).toBe(4)
  })

  test('a truncated header is SAMSA_PROTOCOL', () => {
    expect(() => decodeRequestHeader(new Reader(Buffer.from('0000000100', 'hex')))).toThrow(/int32 needs 4 bytes/)
    expect(() => decodeRequestHeader(new Reader(Buffer.from('000000010000000100056162', 'hex')))).toThrow(/string length 5 exceeds/)
  })
})

describe('response headers', () => {
  test('v0 is the correlation id, v1 adds an empty tag section', () => {
    const v0 = new Writer()
    encodeResponseHeader(v0, 5, 0)
    expect(v0.toBuffer().toString('hex')).toBe('00000005')
    const v1 = new Writer()
    encodeResponseHeader(v1, 5, 1)
    expect(v1.toBuffer().toString('hex')).toBe('0000000500')
    expect(decodeResponseHeader(new Reader(Buffer.from('0000000500', 'hex')), 1)).toBe(5)
  })
})
