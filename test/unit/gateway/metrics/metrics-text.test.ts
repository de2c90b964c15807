/**
 * The whole /metrics text of a broker with more partitions than one slice of the walk: every
 * partition appears once in each per-partition family, every family has one HELP and TYPE, and a
 * topic deleted while the scrape is giving the event loop back is left out rather than read from
 * a closed log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scrapeMetrics } from '../../../../src/gateway/metrics/metrics-module.js'
import { SLICE } from '../../../../src/gateway/metrics/partition-families.js'
import { ProcessMetrics } from '../../../../src/gateway/metrics/process-metrics.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

const WIDE = SLICE + 50

let fixture: InProcessBroker
let processMetrics: ProcessMetrics

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'log.segment.bytes': 1048576, 'log.index.size.max.bytes': 65536 })
  await fixture.broker.context.topics.createTopic('wide', { partitions: WIDE, replicationFactor: 1 })
  processMetrics = new ProcessMetrics()
})

afterAll(async () => {
  processMetrics?.close()
  await fixture?.stop()
})

const linesOf = (text: Buffer, prefix: string): string[] => text.toString('utf8').split('\n').filter((line) => line.startsWith(prefix))

describe('the /metrics text', () => {
  it('writes every partition once per family across slices, under one HELP and TYPE per family', async () => {
    const text = await scrapeMetrics(fixture.broker.context, 0, processMetrics)
    for (const family of ['kafka_log_log_size', 'kafka_log_log_logendoffset', 'kafka_topic_partition_current_offset', 'kafka_topic_partition_leader']) {
      const samples = linesOf(text, `${family}{topic="wide",`)
      expect(samples).toHaveLength(WIDE)
      expect(new Set(samples).size).toBe(WIDE)
    }
    const types = linesOf(text, '# TYPE ')
    expect(new Set(types).size).toBe(types.length)
    expect(linesOf(text, '# HELP ')).toHaveLength(types.length)
    expect(linesOf(text, 'kafka_topic_partitions{topic="wide"}')).toEqual([`kafka_topic_partitions{topic="wide"} ${WIDE}`])
  })

  it('leaves out the partitions of a topic deleted while the scrape gives the event loop back', async () => {
    // The scrape writes its first slice before it yields; the partitions stop being hosted then
    // (ReplicaManager.deleteTopic drops them at once, before it deletes their logs).
    const scrape = scrapeMetrics(fixture.broker.context, 0, processMetrics)
    const deleted = fixture.broker.context.replicas.deleteTopic('wide')
    const [text] = await Promise.all([scrape, deleted])
    const written = linesOf(text, 'kafka_log_log_size{topic="wide",').length
    expect(written).toBeGreaterThan(0)
    expect(written).toBeLessThan(WIDE)
    expect(linesOf(await scrapeMetrics(fixture.broker.context, 0, processMetrics), 'kafka_log_log_size{topic="wide",')).toEqual([])
  })
})
