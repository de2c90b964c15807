/**
 * What a broker holding many partitions costs per request: topics of 100 partitions are created
 * over the wire (CreateTopics), then each request type is timed one at a time on one connection:
 *
 * - Metadata for all topics (every partition's leader, replicas and ISR);
 * - Fetch of 1,000 partitions with nothing new (max wait 0, so the time is the broker's pass over
 *   the partitions, not a wait), as a consumer of 1,000 idle partitions sends it every poll;
 * - ListOffsets (latest) of 1,000 partitions;
 * - DescribeConfigs of every topic.
 *
 * The same requests go to Samsa and to Kafka.
 */
import { ApiKeys } from '../../src/protocol/index.js'
import { RequestClient, percentiles } from './request-client.js'

export const PARTITIONS_PER_TOPIC = 100
/** The partitions a Fetch or ListOffsets names. */
const TOUCHED = 1_000

export interface RequestLatency {
  readonly p50: number
  readonly p99: number
  readonly count: number
}

export interface PartitionRequestFigures {
  readonly metadataAllTopics: RequestLatency
  readonly fetchIdle1000: RequestLatency
  readonly listOffsets1000: RequestLatency
  readonly describeConfigsAllTopics: RequestLatency
}

export function topicNames(partitions: number): string[] {
  return Array.from({ length: Math.ceil(partitions / PARTITIONS_PER_TOPIC) }, (_, i) => `scale-${i}`)
}

/** Creates the topics, ten per request; resolves once every one exists. */
export async function createTopics(client: RequestClient, names: readonly string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 10) {
    const response = await client.request(ApiKeys.CreateTopics, 5, {
      topics: names.slice(i, i + 10).map((name) => ({ name, numPartitions: PARTITIONS_PER_TOPIC, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 120_000,
      validateOnly: false,
    })
    const failed = response.topics.find((t) => t.errorCode !== 0 && t.errorCode !== 36)
    if (failed !== undefined) throw new Error(`CreateTopics ${failed.name}: error ${failed.errorCode} ${failed.errorMessage ?? ''}`)
  }
  // Kafka creates asynchronously: wait until Metadata lists every partition with a leader.
  const expected = names.length * PARTITIONS_PER_TOPIC
  for (let attempt = 0; ; attempt++) {
    const metadata = await client.request(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })
    const led = metadata.topics.filter((t) => names.includes(t.name ?? '')).reduce((n, t) => n + t.partitions.filter((p) => p.leaderId >= 0).length, 0)
    if (led >= expected) return
    if (attempt > 600) throw new Error(`only ${led} of ${expected} partitions have a leader after a minute`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Times `run` up to `iterations` times or for `budgetMs`, whichever ends first (after 5 warm-up runs). */
async function sample(run: () => Promise<number>, iterations: number, budgetMs: number): Promise<RequestLatency> {
  for (let i = 0; i < 5; i++) await run()
  const latencies: number[] = []
  const deadline = performance.now() + budgetMs
  while (latencies.length < iterations && (latencies.length < 20 || performance.now() < deadline)) latencies.push(await run())
  return percentiles(latencies)
}

export async function measurePartitionRequests(client: RequestClient, names: readonly string[], iterations = 200, budgetMs = 20_000): Promise<PartitionRequestFigures> {
  const touchedTopics = names.slice(0, Math.ceil(TOUCHED / PARTITIONS_PER_TOPIC))
  const partitionIndexes = Array.from({ length: PARTITIONS_PER_TOPIC }, (_, i) => i)

  const metadataAllTopics = await sample(
    () => client.time(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }),
    iterations,
    budgetMs,
  )
  const fetch = {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 50 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: touchedTopics.map((topic) => ({
      topic,
      topicId: '00000000-0000-0000-0000-000000000000',
      partitions: partitionIndexes.map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 })),
    })),
    forgottenTopicsData: [],
    rackId: '',
  }
  const fetchIdle1000 = await sample(() => client.time(ApiKeys.Fetch, 12, fetch), iterations, budgetMs)
  const listOffsets = {
    replicaId: -1,
    isolationLevel: 0,
    topics: touchedTopics.map((name) => ({ name, partitions: partitionIndexes.map((partitionIndex) => ({ partitionIndex, currentLeaderEpoch: -1, timestamp: -1n })) })),
  }
  const listOffsets1000 = await sample(() => client.time(ApiKeys.ListOffsets, 7, listOffsets), iterations, budgetMs)
  const describe = {
    resources: names.map((resourceName) => ({ resourceType: 2, resourceName, configurationKeys: null })),
    includeSynonyms: false,
    includeDocumentation: false,
  }
  const describeConfigsAllTopics = await sample(() => client.time(ApiKeys.DescribeConfigs, 4, describe), iterations, budgetMs)
  return { metadataAllTopics, fetchIdle1000, listOffsets1000, describeConfigsAllTopics }
}
