/**
 * Request metrics as Kafka keeps them: one count and time histogram per request type, Fetch split
 * by who fetched (FetchConsumer, FetchFollower), each time in the first bucket whose bound it
 * does not exceed.
 */
import { describe, expect, it } from 'vitest'
import { REQUEST_TIME_BUCKETS_MS, RequestMetrics } from '../../../src/broker/request-metrics.js'
import { ApiKeys } from '../../../src/protocol/api-keys.js'

describe('RequestMetrics', () => {
  it('names request types as Kafka does, with Fetch split into consumer and follower fetches', () => {
    const metrics = new RequestMetrics()
    metrics.record(ApiKeys.Produce, false, 1)
    metrics.record(ApiKeys.Fetch, false, 500)
    metrics.record(ApiKeys.Fetch, true, 2)
    metrics.record(ApiKeys.Fetch, true, 3)
    metrics.record(ApiKeys.Metadata, false, 0.1)
    const byName = new Map([...metrics.types()].map((t) => [t.request, t.count]))
    expect(byName).toEqual(new Map([['Produce', 1], ['FetchConsumer', 1], ['Metadata', 1], ['FetchFollower', 2]]))
  })

  it('puts each time in the first bucket whose bound it does not pass, and the rest above all bounds', () => {
    const metrics = new RequestMetrics()
    for (const ms of [0.2, 0.5, 0.51, 10, 29_999, 60_000]) metrics.record(ApiKeys.Produce, false, ms)
    const produce = [...metrics.types()][0]!
    const at = (bound: number): number => produce.buckets[REQUEST_TIME_BUCKETS_MS.indexOf(bound)]!
    expect(at(0.5)).toBe(2)
    expect(at(1)).toBe(1)
    expect(at(10)).toBe(1)
    expect(at(30_000)).toBe(1)
    expect(produce.buckets[REQUEST_TIME_BUCKETS_MS.length]).toBe(1)
    expect(produce.count).toBe(6)
    expect(produce.totalTimeMs).toBeCloseTo(0.2 + 0.5 + 0.51 + 10 + 29_999 + 60_000)
  })
})
