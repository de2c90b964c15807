import { describe, expect, test } from 'vitest'
import { ApiKeys } from '../../../src/protocol/api-keys.js'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, responseCorrelationId } from '../../../src/protocol/frames.js'
import { flattenChunks } from '../../../src/protocol/writer.js'

function frameBody(output: { chunks: Array<Buffer | { byteLength: number }>; byteLength: number }): Buffer {
  const bytes = flattenChunks(output.chunks, output.byteLength)
  expect(bytes.readInt32BE(0)).toBe(bytes.length - 4)
  return bytes.subarray(4)
}

describe('requests', () => {
  test('a request encoded by the client decodes on the broker, narrowed by API key', () => {
    const frame = frameBody(
      encodeRequest(ApiKeys.Produce, 9, 17, 'samsa', {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: 't', partitionData: [{ index: 2, records: Buffer.from('batch') }] }],
      }),
    )
    const request = decodeRequest(frame)
    expect(request.supported).toBe(true)
    if (!request.supported || request.apiKey !== ApiKeys.Produce) throw new Error('expected a Produce request')
    expect(request.header).toEqual({ apiKey: 0, apiVersion: 9, correlationId: 17, clientId: 'samsa', headerVersion: 2 })
    expect(request.body.topicData[0]?.partitionData[0]?.records?.toString()).toBe('batch')
    // Records are a view into the frame.
    expect(request.body.topicData[0]?.partitionData[0]?.records?.buffer).toBe(frame.buffer)
  })

  test('unknown APIs and versions come back unsupported with their header', () => {
    const unknownVersion = frameBody(encodeRequest(ApiKeys.ApiVersions, 3, 1, 'c', { clientSoftwareName: 'x', clientSoftwareVersion: '1' }))
    unknownVersion.writeInt16BE(9, 2)
    expect(decodeRequest(unknownVersion)).toMatchObject({ supported: false, reason: 'unsupported-version', apiKey: 18, apiVersion: 9 })
    // DescribeDelegationToken (41): Samsa issues no delegation tokens.
    const unknownApi = Buffer.from('0029000100000003ffff', 'hex')
    expect(decodeRequest(unknownApi)).toMatchObject({
      supported: false,
      reason: 'unknown-api',
      header: { apiKey: 41, correlationId: 3, clientId: null },
    })
  })
})

describe('responses', () => {
  test('a Fetch response frame carries record chunks by reference after a patched size prefix', () => {
    const plans = [{ byteLength: 100_000 }, { byteLength: 200_000 }]
    const output = encodeResponse(ApiKeys.Fetch, 12, 99, {
      responses: [
        {
          topic: 't',
          partitions: plans.map((records, partitionIndex) => ({ partitionIndex, errorCode: 0, highWatermark: 10n, records })),
        },
      ],
    })
    expect(output.chunks).toHaveLength(5)
    expect(output.chunks[1]).toBe(plans[0])
    expect(output.chunks[3]).toBe(plans[1])
    const head = output.chunks[0] as Buffer
    expect(head.readInt32BE(0)).toBe(output.byteLength - 4)
    expect(head.readInt32BE(4)).toBe(99)
    expect(head[8]).toBe(0) // response header v1: empty tag section
  })

  test('ApiVersions v3 responses have a v0 header', () => {
    const output = encodeResponse(ApiKeys.ApiVersions, 3, 7, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }] })
    const frame = frameBody(output)
    expect(frame.readInt32BE(0)).toBe(7)
    // Body starts right after the correlation id: error_code 0, then compact array of 1.
    expect(frame.subarray(4, 7).toString('hex')).toBe('000002')
    expect(decodeResponse(ApiKeys.ApiVersions, 3, frame).body.apiKeys).toEqual([{ apiKey: 0, minVersion: 0, maxVersion: 11 }])
  })

  test('the client reads the correlation id and the body back', () => {
    const frame = frameBody(encodeResponse(ApiKeys.Heartbeat, 4, 123, { errorCode: 27 }))
    expect(responseCorrelationId(frame)).toBe(123)
    expect(decodeResponse(ApiKeys.Heartbeat, 4, frame)).toEqual({ correlationId: 123, body: { throttleTimeMs: 0, errorCode: 27 } })
  })

  test('a second frame can follow the first in the same writer', async () => {
    const { Writer } = await import('../../../src/protocol/writer.js')
    const writer = new Writer()
    encodeResponse(ApiKeys.Heartbeat, 0, 1, { errorCode: 0 }, writer)
    const both = encodeResponse(ApiKeys.Heartbeat, 0, 2, { errorCode: 0 }, writer)
    const bytes = flattenChunks(both.chunks)
    expect(bytes.toString('hex')).toBe('00000006000000010000' + '00000006000000020000')
  })
})
