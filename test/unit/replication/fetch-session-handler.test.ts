import { describe, expect, it } from 'vitest'
import { KafkaErrorCodes } from '../../../src/protocol/error-codes.js'
import { FetchSessionCache } from '../../../src/replication/fetch-session-cache.js'
import { FetchSessionHandler, type SessionFetchRequest, type SessionFetchResponse } from '../../../src/replication/fetch-session-handler.js'
import type { ReadOutcome } from '../../../src/replication/partition.js'

/** A leader's partition as the follower copies it. */
interface LeaderPartition {
  logEndOffset: number
  highWatermark: number
  logStartOffset: number
}

interface Answer extends SessionFetchResponse {
  /** The partitions answered, as `topic-partition:hw`, with `+n` for n records. */
  readonly answered: string[]
}

/**
 * A leader that answers Fetch through the broker's own session cache: each partition read returns
 * the records from the fetch offset to its log end, with its high watermark and log start.
 */
class Leader {
  readonly cache: FetchSessionCache
  readonly partitions = new Map<string, LeaderPartition>()

  constructor(topics: Record<string, number>, maxSlots = 10) {
    this.cache = new FetchSessionCache({ maxSlots })
    for (const [topic, count] of Object.entries(topics)) {
      for (let p = 0; p < count; p++) this.partitions.set(`${topic}-${p}`, { logEndOffset: 0, highWatermark: 0, logStartOffset: 0 })
    }
  }

  get(topic: string, partition: number): LeaderPartition {
    return this.partitions.get(`${topic}-${partition}`)!
  }

  fetch(request: SessionFetchRequest<unknown>): Answer {
    const context = this.cache.newContext({
      version: 12,
      sessionId: request.sessionId,
      sessionEpoch: request.sessionEpoch,
      follower: true,
      topics: request.topics.map((t) => ({ topic: t.topic, topicId: '', partitions: t.partitions })),
      forgottenTopics: request.forgottenTopicsData.map((t) => ({ topic: t.topic, topicId: '', partitions: t.partitions })),
    })
    const responses: Array<{ topic: string; partitions: Array<{ partitionIndex: number }> }> = []
    const answered: string[] = []
    context.topics.forEach((topic, t) => {
      const partitions: Array<{ partitionIndex: number }> = []
      topic.partitions.forEach((p, i) => {
        const state = this.get(topic.topic, p.partition)
        const records = state.logEndOffset - Number(p.fetchOffset)
        const outcome: ReadOutcome = {
          errorCode: KafkaErrorCodes.NONE,
          highWatermark: state.highWatermark,
          lastStableOffset: state.highWatermark,
          logStartOffset: state.logStartOffset,
          records: records > 0 ? ({ byteLength: records } as ReadOutcome['records']) : null,
        }
        if (!context.include(t, i, outcome)) return
        partitions.push({ partitionIndex: p.partition })
        answered.push(`${topic.topic}-${p.partition}:${state.highWatermark}${records > 0 ? `+${records}` : ''}`)
      })
      if (partitions.length > 0) responses.push({ topic: topic.topic, partitions })
    })
    return { errorCode: context.responseError(), sessionId: context.complete(), responses, answered }
  }
}

/** A follower's copy of each partition: its log end offset, and the high watermark it was told. */
class Follower {
  readonly handler = new FetchSessionHandler<string>()
  readonly logEnd = new Map<string, number>()
  readonly highWatermark = new Map<string, number>()
  leaderEpoch = 0

  constructor(readonly leader: Leader) {}

  /** Builds the request for `names` (all the leader's partitions by default). */
  request(names: readonly string[] = [...this.leader.partitions.keys()]): SessionFetchRequest<string> {
    this.handler.begin()
    for (const name of names) {
      const [topic, partition] = split(name)
      this.handler.add(topic, partition, this.logEnd.get(name) ?? 0, 0, this.leaderEpoch, 1 << 20, name)
    }
    return this.handler.build()
  }

  /** One fetch: builds, sends to the leader, and copies what the response carries. */
  fetch(names?: readonly string[]): { request: SessionFetchRequest<string>; answer: Answer; applied: boolean } {
    const request = this.request(names)
    const answer = this.leader.fetch(request)
    const applied = this.handler.handleResponse(answer)
    if (applied) {
      for (const topic of answer.responses) {
        for (const data of topic.partitions) {
          const name = this.handler.partition(topic.topic, data.partitionIndex)!.owner
          const state = this.leader.get(topic.topic, data.partitionIndex)
          this.logEnd.set(name, state.logEndOffset)
          this.highWatermark.set(name, state.highWatermark)
        }
      }
    }
    return { request, answer, applied }
  }
}

function split(name: string): [string, number] {
  const dash = name.lastIndexOf('-')
  return [name.slice(0, dash), Number(name.slice(dash + 1))]
}

/** A request's partitions as `topic-partition@fetchOffset`. */
function sent(request: SessionFetchRequest<unknown>): string[] {
  return request.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p.partition}@${p.fetchOffset}`))
}

function forgotten(request: SessionFetchRequest<unknown>): string[] {
  return request.forgottenTopicsData.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`))
}

/** A follower with a session established over `topics`, its first (full) fetch done. */
function established(topics: Record<string, number>): Follower {
  const follower = new Follower(new Leader(topics))
  const first = follower.fetch()
  expect(first.answer.sessionId).not.toBe(0)
  return follower
}

describe('FetchSessionHandler', () => {
  it('opens a session with a full request of every partition, then sends idle fetches with no partitions', () => {
    const follower = new Follower(new Leader({ a: 2, b: 1 }))
    const first = follower.fetch()
    expect(first.request).toMatchObject({ sessionId: 0, sessionEpoch: 0, forgottenTopicsData: [] })
    expect(sent(first.request)).toEqual(['a-0@0', 'a-1@0', 'b-0@0'])
    expect(first.answer.answered).toEqual(['a-0:0', 'a-1:0', 'b-0:0'])
    const sessionId = first.answer.sessionId
    expect(sessionId).not.toBe(0)
    expect(follower.handler.size).toBe(3)

    const second = follower.fetch()
    expect(second.request).toMatchObject({ sessionId, sessionEpoch: 1, topics: [], forgottenTopicsData: [] })
    expect(second.answer).toMatchObject({ errorCode: KafkaErrorCodes.NONE, sessionId, answered: [] })
    const third = follower.fetch()
    expect(third.request).toMatchObject({ sessionId, sessionEpoch: 2, topics: [] })
  })

  it('sends only the partitions whose fetch offset moved, and the leader answers only those with records', () => {
    const follower = established({ a: 3 })
    follower.leader.get('a', 1).logEndOffset = 5
    const withData = follower.fetch()
    expect(sent(withData.request)).toEqual([])
    expect(withData.answer.answered).toEqual(['a-1:0+5'])
    expect(follower.logEnd.get('a-1')).toBe(5)

    // The follower's log end moved: that partition, and only it, carries its new fetch offset.
    const next = follower.fetch()
    expect(sent(next.request)).toEqual(['a-1@5'])
    expect(next.answer.answered).toEqual([])
  })

  it('sends a partition again when its leader epoch, log start offset or max bytes changes', () => {
    const follower = established({ a: 2 })
    follower.handler.begin()
    follower.handler.add('a', 0, 0, 0, 1, 1 << 20, 'a-0')
    follower.handler.add('a', 1, 0, 3, 0, 1 << 20, 'a-1')
    expect(sent(follower.handler.build())).toEqual(['a-0@0', 'a-1@0'])
    follower.handler.handleResponse({ errorCode: 0, sessionId: follower.handler.sessionId, responses: [] })
    follower.handler.begin()
    follower.handler.add('a', 0, 0, 0, 1, 1 << 10, 'a-0')
    follower.handler.add('a', 1, 0, 3, 0, 1 << 20, 'a-1')
    expect(sent(follower.handler.build())).toEqual(['a-0@0'])
  })

  it('lets the follower learn the high watermark of a partition it copies nothing of', () => {
    const follower = established({ a: 2 })
    const partition = follower.leader.get('a', 0)
    partition.logEndOffset = 4
    follower.fetch()
    // The other followers caught up meanwhile: only the high watermark moves on the leader.
    partition.highWatermark = 4
    const idle = follower.fetch()
    expect(sent(idle.request)).toEqual(['a-0@4'])
    expect(idle.answer.answered).toEqual(['a-0:4'])
    expect(follower.highWatermark.get('a-0')).toBe(4)
    expect(follower.fetch().answer.answered).toEqual([])
  })

  it('forgets partitions the fetch no longer names and adds new ones', () => {
    const follower = established({ a: 2, b: 2 })
    const request = follower.fetch(['a-0', 'a-1', 'b-1']).request
    expect(forgotten(request)).toEqual(['b-0'])
    expect(sent(request)).toEqual([])
    expect(follower.handler.partition('b', 0)).toBeUndefined()
    expect(follower.leader.cache.get(follower.handler.sessionId)!.size).toBe(3)

    const readded = follower.fetch(['a-0', 'a-1', 'b-1', 'b-0']).request
    expect(sent(readded)).toEqual(['b-0@0'])
    expect(forgotten(readded)).toEqual([])
    expect(follower.leader.cache.get(follower.handler.sessionId)!.size).toBe(4)
  })

  it('starts a new session with a full fetch when the leader no longer knows the session (FETCH_SESSION_ID_NOT_FOUND)', () => {
    const follower = established({ a: 2 })
    const old = follower.handler.sessionId
    follower.leader.cache.remove(old)
    const refused = follower.fetch()
    expect(refused.answer.errorCode).toBe(KafkaErrorCodes.FETCH_SESSION_ID_NOT_FOUND)
    expect(refused.applied).toBe(false)

    const full = follower.fetch()
    expect(full.request).toMatchObject({ sessionId: 0, sessionEpoch: 0 })
    expect(sent(full.request)).toEqual(['a-0@0', 'a-1@0'])
    expect(full.answer.sessionId).not.toBe(0)
    expect(follower.fetch().request).toMatchObject({ sessionId: full.answer.sessionId, sessionEpoch: 1, topics: [] })
  })

  it.each([
    ['INVALID_FETCH_SESSION_EPOCH', KafkaErrorCodes.INVALID_FETCH_SESSION_EPOCH],
    ['FETCH_SESSION_TOPIC_ID_ERROR', KafkaErrorCodes.FETCH_SESSION_TOPIC_ID_ERROR],
  ])('closes the session and opens a new one with a full fetch after %s', (_name, errorCode) => {
    const follower = established({ a: 2 })
    const old = follower.handler.sessionId
    follower.request()
    expect(follower.handler.handleResponse({ errorCode, sessionId: 0, responses: [] })).toBe(false)

    const full = follower.fetch()
    expect(full.request).toMatchObject({ sessionId: old, sessionEpoch: 0 })
    expect(sent(full.request)).toEqual(['a-0@0', 'a-1@0'])
    // The leader closed the old session and made a new one.
    expect(follower.leader.cache.get(old)).toBeUndefined()
    expect(full.answer.sessionId).not.toBe(old)
    expect(follower.leader.cache.size).toBe(1)
  })

  it('recovers with a full fetch when the leader saw a request twice (its epoch moved on)', () => {
    const follower = established({ a: 1 })
    const request = follower.request()
    follower.leader.fetch(request)
    // The response was lost (a timeout): the same request sent again is refused by epoch.
    const again = follower.leader.fetch(request)
    expect(again.errorCode).toBe(KafkaErrorCodes.INVALID_FETCH_SESSION_EPOCH)
    expect(follower.handler.handleResponse(again)).toBe(false)
    const full = follower.fetch()
    expect(full.request.sessionEpoch).toBe(0)
    expect(full.answer.errorCode).toBe(KafkaErrorCodes.NONE)
  })

  it('sends a full fetch closing the session after a request failed', () => {
    const follower = established({ a: 2 })
    const old = follower.handler.sessionId
    follower.request()
    follower.handler.handleError()
    const full = follower.fetch()
    expect(full.request).toMatchObject({ sessionId: old, sessionEpoch: 0 })
    expect(sent(full.request)).toHaveLength(2)
    expect(full.answer.sessionId).not.toBe(0)
  })

  it('sends a full fetch, which the leader answers with every partition, when the fetcher asks for one', () => {
    const follower = established({ a: 2 })
    follower.handler.requestFull()
    const full = follower.fetch()
    expect(full.request.sessionEpoch).toBe(0)
    expect(full.answer.answered).toEqual(['a-0:0', 'a-1:0'])
  })

  it('keeps sending full fetches while the leader makes no session', () => {
    // max.incremental.fetch.session.cache.slots=0 on the leader: sessions are off there.
    const follower = new Follower(new Leader({ a: 2 }, 0))
    for (let i = 0; i < 3; i++) {
      const { request, answer } = follower.fetch()
      expect(request).toMatchObject({ sessionId: 0, sessionEpoch: 0 })
      expect(sent(request)).toEqual(['a-0@0', 'a-1@0'])
      expect(answer.sessionId).toBe(0)
    }
  })

  it('refuses an incremental response naming a partition outside the session, and starts over', () => {
    const follower = established({ a: 2 })
    follower.request(['a-0'])
    const answer = { errorCode: 0, sessionId: follower.handler.sessionId, responses: [{ topic: 'a', partitions: [{ partitionIndex: 1 }] }] }
    expect(follower.handler.handleResponse(answer)).toBe(false)
    expect(follower.request(['a-0']).sessionEpoch).toBe(0)
  })

  it('reuses the session\'s partition entries as the request\'s, so an idle fetch allocates none per partition', () => {
    const follower = established({ a: 1 })
    follower.leader.get('a', 0).logEndOffset = 1
    follower.fetch()
    const first = follower.fetch().request.topics[0]!.partitions[0]
    follower.leader.get('a', 0).logEndOffset = 2
    follower.fetch()
    const second = follower.fetch().request.topics[0]!.partitions[0]
    expect(second).toBe(first)
    expect(second).toMatchObject({ fetchOffset: 2 })
  })

  it('leaves the follower with the same copy as full fetches would, over appends and high-watermark moves', () => {
    const follower = established({ a: 6, b: 4 })
    const names = [...follower.leader.partitions.keys()]
    let seed = 7
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
    for (let round = 0; round < 200; round++) {
      const name = names[random(names.length)]!
      const partition = follower.leader.partitions.get(name)!
      if (random(2) === 0) partition.logEndOffset += 1 + random(3)
      else partition.highWatermark = Math.min(partition.logEndOffset, partition.highWatermark + 1 + random(3))
      const { applied } = follower.fetch()
      expect(applied).toBe(true)
    }
    // One more fetch: the last round's appends move fetch offsets, which a leader learns here.
    follower.fetch()
    for (const [name, partition] of follower.leader.partitions) {
      expect({ name, logEnd: follower.logEnd.get(name) ?? 0, highWatermark: follower.highWatermark.get(name) ?? 0 }).toEqual({
        name,
        logEnd: partition.logEndOffset,
        highWatermark: partition.highWatermark,
      })
    }
    expect(follower.leader.cache.incrementalFetches).toBeGreaterThan(200)
  })
})
