/**
 * The REST produce response is written as bytes, not through JSON.stringify: it must be the
 * very JSON the REST Proxy v2 answers, whatever the offsets and error messages hold.
 */
import { describe, expect, it } from 'vitest'
import type { RecordOffset } from '../../../src/gateway/records/produce-records.js'
import { encodeProduceResponse } from '../../../src/gateway/rest/produce-response.js'

const expected = (offsets: readonly RecordOffset[]): string => JSON.stringify({ key_schema_id: null, value_schema_id: null, offsets })

describe('the REST produce response body', () => {
  it('is the JSON of the offsets, record by record, for small and large offsets', () => {
    const offsets: RecordOffset[] = [0, 9, 10, 99, 1234567, 2 ** 53 - 1].map((offset, i) => ({ partition: i, offset, error_code: null, error: null }))
    expect(encodeProduceResponse(offsets).toString('utf8')).toBe(expected(offsets))
  })

  it('carries per-record errors, escaped, beside successful records', () => {
    const offsets: RecordOffset[] = [
      { partition: 0, offset: 41, error_code: null, error: null },
      { partition: 3, offset: null, error_code: 50003, error: 'NOT_ENOUGH_REPLICAS: "isr" below min.insync.replicas\n(ünïcode ✓)' },
      { partition: null, offset: null, error_code: -1, error: '' },
    ]
    const body = encodeProduceResponse(offsets)
    expect(body.toString('utf8')).toBe(expected(offsets))
    expect(JSON.parse(body.toString('utf8')).offsets[1].error).toBe(offsets[1]!.error)
  })

  it('is a valid response for no records', () => {
    expect(encodeProduceResponse([]).toString('utf8')).toBe(expected([]))
  })
})
