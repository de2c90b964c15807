import { describe, expect, it } from 'vitest'
import { KafkaErrorCodes } from '../../../src/protocol/error-codes.js'
import { FetchSessionCache, type FetchContext, type FetchSessionRequest } from '../../../src/replication/fetch-session-cache.js'
import { CachedPartition, nextEpoch, type RequestedTopic } from '../../../src/replication/fetch-session.js'
import type { ReadOutcome } from '../../../src/replication/partition.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'

function topic(name: string, partitions: Array<[partition: number, fetchOffset: number]>): RequestedTopic {
  return {
    topic: name,
    topicId: TOPIC_ID,
    partitions: partitions.map(([partition, fetchOffset]) => ({
      partition,
      currentLeaderEpoch: -1,
      fetchOffset: BigInt(fetchOffset),
      lastFetchedEpoch: -1,
      logStartOffset: -1n,
      partitionMaxBytes: 1 << 20,
    })),
  }
}

function request(sessionId: number, sessionEpoch: number, topics: RequestedTopic[], extra: Partial<FetchSessionRequest> = {}): FetchSessionRequest {
  return { version: 12, sessionId, sessionEpoch, follower: false, topics, forgottenTopics: [], ...extra }
}

function outcome(highWatermark: number, options: { records?: number; errorCode?: number; logStartOffset?: number; lastStableOffset?: number } = {}): ReadOutcome {
  return {
    errorCode: options.errorCode ?? KafkaErrorCodes.NONE,
    highWatermark,
    lastStableOffset: options.lastStableOffset ?? highWatermark,
    logStartOffset: options.logStartOffset ?? 0,
    records: options.records === undefined ? null : ({ byteLength: options.records } as ReadOutcome['records']),
  }
}

/** Answers a context as the handler does: every partition read with `read`, returns the included ones and the session id. */
function answer(context: FetchContext, read: (topic: string, partition: number) => ReadOutcome): { sessionId: number; included: string[] } {
  const included: string[] = []
  context.topics.forEach((t, ti) =>
    t.partitions.forEach((p, pi) => {
      if (context.include(ti, pi, read(t.topic, p.partition))) included.push(`${t.topic}-${p.partition}@${Number(p.fetchOffset)}`)
    }),
  )
  return { sessionId: context.complete(), included }
}

/** A cache with a session of the given partitions, each answered with high watermark 10; returns its id. */
function withSession(cache: FetchSessionCache, topics: RequestedTopic[], extra: Partial<FetchSessionRequest> = {}): number {
  return answer(cache.newContext(request(0, 0, topics, extra)), () => outcome(10)).sessionId
}

describe('FetchSessionCache', () => {
  it('creates a session for a full request with epoch 0 and answers every partition', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    const context = cache.newContext(request(0, 0, [topic('a', [[0, 10], [1, 10]])]))
    const { sessionId, included } = answer(context, () => outcome(10))
    expect(sessionId).not.toBe(0)
    expect(included).toEqual(['a-0@10', 'a-1@10'])
    expect(cache.get(sessionId)!.epoch).toBe(1)
    expect(cache.partitions).toBe(2)
  })

  it('draws session ids from the positive int32s, as Kafka does (franz-go drops a session whose id is not positive)', () => {
    const cache = new FetchSessionCache({ maxSlots: 500 })
    const ids = Array.from({ length: 500 }, (_, i) => withSession(cache, [topic('a', [[i, 0]])]))
    expect(ids.filter((id) => !Number.isInteger(id) || id < 1 || id > 0x7fff_ffff)).toEqual([])
    expect(new Set(ids).size).toBe(500)
  })

  it('keeps no session for epoch -1, and closes the one a full request names', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    expect(answer(cache.newContext(request(0, -1, [topic('a', [[0, 0]])])), () => outcome(10)).sessionId).toBe(0)
    expect(cache.size).toBe(0)
    const id = withSession(cache, [topic('a', [[0, 0]])])
    expect(answer(cache.newContext(request(id, -1, [])), () => outcome(10)).sessionId).toBe(0)
    expect(cache.get(id)).toBeUndefined()
    const again = withSession(cache, [topic('a', [[0, 0]])])
    const replaced = answer(cache.newContext(request(again, 0, [topic('a', [[0, 0]])])), () => outcome(10)).sessionId
    expect(cache.get(again)).toBeUndefined()
    expect(cache.get(replaced)).toBeDefined()
  })

  it('reads every session partition on an incremental request but answers only those with news', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    const id = withSession(cache, [topic('a', [[0, 10], [1, 10], [2, 10], [3, 10]])])
    const context = cache.newContext(request(id, 1, []))
    expect(context.incremental).toBe(true)
    const { sessionId, included } = answer(context, (_, partition) =>
      partition === 0 ? outcome(10) // nothing new
      : partition === 1 ? outcome(12, { records: 100 }) // new records and high watermark
      : partition === 2 ? outcome(10, { logStartOffset: 5 }) // DeleteRecords moved the log start
      : outcome(10, { errorCode: KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER }),
    )
    expect(sessionId).toBe(id)
    expect(included).toEqual(['a-1@10', 'a-2@10', 'a-3@10'])
    // What was sent is remembered: the same answers again bring only the error.
    const next = answer(cache.newContext(request(id, 2, [])), (_, partition) =>
      partition === 1 ? outcome(12) : partition === 2 ? outcome(10, { logStartOffset: 5 }) : partition === 3 ? outcome(10, { errorCode: KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER }) : outcome(10),
    )
    expect(next.included).toEqual(['a-3@10'])
    // Once the error clears, the partition is sent again though its offsets did not move.
    expect(answer(cache.newContext(request(id, 3, [])), (_, partition) => (partition === 1 ? outcome(12) : partition === 2 ? outcome(10, { logStartOffset: 5 }) : outcome(10))).included).toEqual(['a-3@10'])
  })

  it('includes a partition whose last stable offset moved (a transaction ended)', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    const id = withSession(cache, [topic('a', [[0, 10]])])
    expect(answer(cache.newContext(request(id, 1, [])), () => outcome(10, { lastStableOffset: 8 })).included).toEqual(['a-0@10'])
  })

  it('adds and updates the partitions an incremental request names, and drops forgotten ones', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    const id = withSession(cache, [topic('a', [[0, 10], [1, 10]]), topic('b', [[0, 10]])])
    const context = cache.newContext(request(id, 1, [topic('a', [[1, 15]]), topic('c', [[0, 0]])], { forgottenTopics: [{ topic: 'b', topicId: TOPIC_ID, partitions: [0, 7] }] }))
    const read = context.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p.partition}@${Number(p.fetchOffset)}`))
    expect(read).toEqual(['a-0@10', 'a-1@15', 'c-0@0'])
    expect(cache.get(id)!.size).toBe(3)
  })

  it('keys a v13+ session by topic id and refuses it to older versions, and the reverse', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    const byId = withSession(cache, [topic('', [[0, 0]])], { version: 13 })
    expect(cache.newContext(request(byId, 1, [], { version: 12 })).errorCode).toBe(KafkaErrorCodes.FETCH_SESSION_TOPIC_ID_ERROR)
    expect(cache.newContext(request(byId, 1, [], { version: 16 })).errorCode).toBe(KafkaErrorCodes.NONE)
    const byName = withSession(cache, [topic('a', [[0, 0]])], { version: 12 })
    expect(cache.newContext(request(byName, 1, [], { version: 13 })).errorCode).toBe(KafkaErrorCodes.FETCH_SESSION_TOPIC_ID_ERROR)
    // Forgetting by topic id in a v13 session.
    const context = cache.newContext(request(byId, 2, [], { version: 16, forgottenTopics: [{ topic: '', topicId: TOPIC_ID, partitions: [0] }] }))
    expect(context.incremental).toBe(false)
    expect(cache.get(byId)).toBeUndefined()
  })

  it('answers an unknown session id with FETCH_SESSION_ID_NOT_FOUND and a wrong epoch with INVALID_FETCH_SESSION_EPOCH', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    const id = withSession(cache, [topic('a', [[0, 0]])])
    expect(cache.newContext(request(id + 1 || 1, 1, [])).errorCode).toBe(KafkaErrorCodes.FETCH_SESSION_ID_NOT_FOUND)
    expect(cache.newContext(request(id, 2, [])).errorCode).toBe(KafkaErrorCodes.INVALID_FETCH_SESSION_EPOCH)
    // A refused request leaves the session as it was: epoch 1 is still the one expected.
    expect(cache.newContext(request(id, 1, [])).errorCode).toBe(KafkaErrorCodes.NONE)
    expect(cache.newContext(request(id, 1, [])).errorCode).toBe(KafkaErrorCodes.INVALID_FETCH_SESSION_EPOCH)
  })

  it('answers INVALID_FETCH_SESSION_EPOCH to a request whose session moved on while it waited', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    const id = withSession(cache, [topic('a', [[0, 0]])])
    const waiting = cache.newContext(request(id, 1, []))
    cache.newContext(request(id, 2, []))
    expect(waiting.responseError()).toBe(KafkaErrorCodes.INVALID_FETCH_SESSION_EPOCH)
  })

  it('wraps the epoch from the largest int32 to 1, never to 0', () => {
    expect(nextEpoch(0x7fffffff)).toBe(1)
    expect(nextEpoch(5)).toBe(6)
    expect(nextEpoch(-1)).toBe(-1)
  })

  it('ends the session when every partition is forgotten, answering without one', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    const id = withSession(cache, [topic('a', [[0, 0]])])
    const context = cache.newContext(request(id, 1, [], { forgottenTopics: [{ topic: 'a', topicId: TOPIC_ID, partitions: [0] }] }))
    expect(answer(context, () => outcome(10)).sessionId).toBe(0)
    expect(cache.size).toBe(0)
  })

  it('moves partitions that returned records to the end of the fetch order', () => {
    const cache = new FetchSessionCache({ maxSlots: 10 })
    const id = withSession(cache, [topic('a', [[0, 10], [1, 10], [2, 10]])])
    answer(cache.newContext(request(id, 1, [])), (_, partition) => (partition === 0 ? outcome(11, { records: 50 }) : outcome(10)))
    const context = cache.newContext(request(id, 2, [topic('a', [[0, 11]])]))
    expect(context.topics.flatMap((t) => t.partitions.map((p) => p.partition))).toEqual([1, 2, 0])
  })

  it('creates no session when max.incremental.fetch.session.cache.slots is 0', () => {
    const cache = new FetchSessionCache({ maxSlots: 0 })
    expect(withSession(cache, [topic('a', [[0, 0]])])).toBe(0)
  })

  describe('when full', () => {
    function clockedCache(maxSlots: number) {
      const clock = { now: 1_000_000 }
      return { clock, cache: new FetchSessionCache({ maxSlots, evictionMs: 120_000, now: () => clock.now }) }
    }
    const partitions = (n: number) => [topic('a', Array.from({ length: n }, (_, i): [number, number] => [i, 0]))]

    it('creates no session while every session is younger than the eviction time', () => {
      const { cache } = clockedCache(2)
      const first = withSession(cache, partitions(5))
      const second = withSession(cache, partitions(5))
      expect(withSession(cache, partitions(100))).toBe(0)
      expect([cache.get(first), cache.get(second)].every(Boolean)).toBe(true)
    })

    it('evicts a session unused for longer than the eviction time first', () => {
      const { clock, cache } = clockedCache(2)
      const stale = withSession(cache, partitions(50))
      clock.now += 60_000
      const used = withSession(cache, partitions(1))
      clock.now += 61_000
      cache.newContext(request(used, 1, []))
      const created = withSession(cache, partitions(1))
      expect(created).not.toBe(0)
      expect(cache.get(stale)).toBeUndefined()
      expect(cache.get(used)).toBeDefined()
      expect(cache.evictions).toBe(1)
    })

    it('lets an older session give way to a larger one, never to a smaller one', () => {
      const { clock, cache } = clockedCache(2)
      const small = withSession(cache, partitions(3))
      const large = withSession(cache, partitions(30))
      clock.now += 121_000
      // Both are used recently (not stale) but past their protection: sizes decide.
      cache.newContext(request(small, 1, []))
      cache.newContext(request(large, 1, []))
      expect(withSession(cache, partitions(2))).toBe(0)
      const bigger = withSession(cache, partitions(10))
      expect(bigger).not.toBe(0)
      expect(cache.get(small)).toBeUndefined()
      expect(cache.get(large)).toBeDefined()
    })

    it('keeps at most max slots when a client asks for a new session on every fetch (as @platformatic/kafka 1.x does)', () => {
      const { cache } = clockedCache(3)
      const ids = Array.from({ length: 10 }, () => withSession(cache, partitions(20)))
      expect(ids.filter((id) => id !== 0)).toHaveLength(3)
      expect(cache.size).toBe(3)
      expect(cache.partitions).toBe(60)
      expect(cache.hasRoomFor(false, 20)).toBe(false)
    })

    it("lets a follower's session evict a young consumer's, but not the reverse", () => {
      const { cache } = clockedCache(1)
      const consumer = withSession(cache, partitions(500))
      const follower = withSession(cache, partitions(1), { follower: true })
      expect(follower).not.toBe(0)
      expect(cache.get(consumer)).toBeUndefined()
      expect(withSession(cache, partitions(1000))).toBe(0)
      expect(cache.get(follower)!.privileged).toBe(true)
    })
  })
})

describe('CachedPartition.maybeUpdateResponseData', () => {
  const cached = () => {
    const partition = new CachedPartition('a', '', { partition: 0, currentLeaderEpoch: -1, fetchOffset: 10n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 })
    partition.maybeUpdateResponseData(outcome(10), true)
    return partition
  }

  it('leaves out a partition with no records and the offsets last sent', () => {
    expect(cached().maybeUpdateResponseData(outcome(10), true)).toBe(false)
  })

  it('includes records, a moved high watermark, last stable or log start offset, and errors', () => {
    expect(cached().maybeUpdateResponseData(outcome(10, { records: 1 }), true)).toBe(true)
    expect(cached().maybeUpdateResponseData(outcome(11), true)).toBe(true)
    expect(cached().maybeUpdateResponseData(outcome(10, { lastStableOffset: 9 }), true)).toBe(true)
    expect(cached().maybeUpdateResponseData(outcome(10, { logStartOffset: 3 }), true)).toBe(true)
    expect(cached().maybeUpdateResponseData(outcome(10, { errorCode: KafkaErrorCodes.OFFSET_OUT_OF_RANGE }), true)).toBe(true)
  })

  it('remembers nothing when asked not to update', () => {
    const partition = cached()
    expect(partition.maybeUpdateResponseData(outcome(11), false)).toBe(true)
    expect(partition.maybeUpdateResponseData(outcome(11), false)).toBe(true)
    expect(partition.highWatermark).toBe(10)
  })
})
