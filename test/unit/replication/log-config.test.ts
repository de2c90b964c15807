import { describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { toLogConfig } from '../../../src/replication/log-config.js'

const defaults = BrokerConfig.load().topicDefaults()

describe('toLogConfig', () => {
  it('passes retention through for delete topics', () => {
    const log = toLogConfig({ ...defaults, 'retention.ms': 1000, 'retention.bytes': 5000 })
    expect(log['retention.ms']).toBe(1000)
    expect(log['retention.bytes']).toBe(5000)
  })

  it('never deletes segments of a compact-only topic by time or size', () => {
    const log = toLogConfig({ ...defaults, 'cleanup.policy': ['compact'], 'retention.ms': 1000, 'retention.bytes': 5000 })
    expect(log['retention.ms']).toBe(-1)
    expect(log['retention.bytes']).toBe(-1)
  })

  it('applies retention to compact,delete topics', () => {
    const log = toLogConfig({ ...defaults, 'cleanup.policy': ['compact', 'delete'], 'retention.ms': 1000 })
    expect(log['retention.ms']).toBe(1000)
  })

  it("maps Kafka's Long.MAX flush settings to the log's unset", () => {
    const log = toLogConfig(defaults)
    expect(log['flush.messages']).toBeNull()
    expect(log['flush.ms']).toBeNull()
  })
})
