import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { SamsaError } from '../../../src/common/errors.js'
import { tempDir } from '../../helpers/temp-dir.js'

function propertiesFile(text: string): string {
  const file = join(tempDir('samsa-config-'), 'server.properties')
  writeFileSync(file, text)
  return file
}

describe('BrokerConfig', () => {
  it("uses Kafka's defaults when nothing is set", () => {
    const config = BrokerConfig.load()
    expect(config.nodeId).toBe(1)
    expect(config.listeners()).toEqual([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }])
    expect(config.dataDir).toBe('./data')
    expect(config.get('num.partitions')).toBe(1)
    expect(config.get('auto.create.topics.enable')).toBe(true)
    expect(config.get('message.max.bytes')).toBe(1048588)
    expect(config.get('socket.request.max.bytes')).toBe(104857600)
    expect(config.topicDefaults()['retention.ms']).toBe(168 * 3_600_000)
    expect(config.sourceOf('num.partitions')).toBe('default')
  })

  it('layers file < environment < --set < flags', () => {
    const file = propertiesFile('num.partitions=3\nlog.retention.hours = 24\n# comment\nlisteners: PLAINTEXT://0.0.0.0:9000\n')
    const config = BrokerConfig.load({
      file,
      env: { SAMSA_NUM_PARTITIONS: '4', SAMSA_LOG_SEGMENT_BYTES: '1048576', PATH: '/bin' },
      set: ['num.partitions=5'],
      port: '19092',
      dataDir: '/tmp/samsa-x',
    })
    expect(config.get('num.partitions')).toBe(5)
    expect(config.sourceOf('num.partitions')).toBe('flag')
    expect(config.get('log.segment.bytes')).toBe(1048576)
    expect(config.sourceOf('log.segment.bytes')).toBe('env')
    expect(config.topicDefaults()['retention.ms']).toBe(24 * 3_600_000)
    expect(config.listeners()).toEqual([{ name: 'PLAINTEXT', host: '0.0.0.0', port: 19092, securityProtocol: 'PLAINTEXT' }])
    expect(config.advertisedListeners()).toEqual([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 19092, securityProtocol: 'PLAINTEXT' }])
    expect(config.dataDir).toBe('/tmp/samsa-x')
  })

  it('derives retention.ms from the most precise retention setting', () => {
    expect(BrokerConfig.load({ set: ['log.retention.minutes=10'] }).topicDefaults()['retention.ms']).toBe(600_000)
    expect(BrokerConfig.load({ set: ['log.retention.minutes=10', 'log.retention.ms=5'] }).topicDefaults()['retention.ms']).toBe(5)
  })

  it('names the setting and its origin when a value is invalid', () => {
    const file = propertiesFile('num.partitions=0\n')
    expect(() => BrokerConfig.load({ file })).toThrowError(/num\.partitions.*at least 1.*server\.properties:1/)
    expect(() => BrokerConfig.load({ set: ['auto.create.topics.enable=yes'] })).toThrowError(/auto\.create\.topics\.enable.*true or false/)
    expect(() => BrokerConfig.load({ port: 'abc' })).toThrowError(/--port/)
    expect(() => BrokerConfig.load({ set: ['listeners=localhost:9092'] })).toThrowError(/NAME:\/\/host:port/)
  })

  it('rejects unknown settings but accepts Kafka-only ones with a warning', () => {
    expect(() => BrokerConfig.load({ set: ['num.partition=3'] })).toThrowError(/Unknown setting num\.partition/)
    expect(() => BrokerConfig.load({ env: { SAMSA_NUM_PARTITON: '3' } })).toThrowError(/SAMSA_NUM_PARTITON/)
    const config = BrokerConfig.load({ file: propertiesFile('num.network.threads=3\nzookeeper.connect=localhost:2181\n') })
    expect(config.warnings).toHaveLength(2)
    expect(config.warnings[0]).toMatch(/num\.network\.threads/)
  })

  it('throws SamsaError with the SAMSA_CONFIG code', () => {
    try {
      BrokerConfig.load({ set: ['message.max.bytes=-1'] })
      expect.unreachable()
    } catch (error) {
      expect(SamsaError.is(error, 'SAMSA_CONFIG')).toBe(true)
    }
  })

  it('reads broker.id and log.dir, the older names', () => {
    const config = BrokerConfig.load({ set: ['broker.id=7', 'log.dir=/var/samsa'] })
    expect(config.nodeId).toBe(7)
    expect(config.dataDir).toBe('/var/samsa')
  })

  it('skips KRaft controller listeners', () => {
    const config = BrokerConfig.load({
      set: ['listeners=PLAINTEXT://:9092,CONTROLLER://:9093', 'controller.listener.names=CONTROLLER'],
    })
    expect(config.listeners()).toEqual([{ name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' }])
  })
})
