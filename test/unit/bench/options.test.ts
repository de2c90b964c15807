import { describe, expect, it } from 'vitest'
import { parseDuration, parseOptions, parseRate } from '../../../bench/harness/options.js'
import { ErrorCodes, SamsaError } from '../../../src/common/errors.js'
import { DEFAULT_SUITE, QUICK_TIMING, presetNamed, presets, sameShape, withOverrides } from '../../../bench/harness/workloads.js'

const usageError = (fn: () => unknown): SamsaError => {
  try {
    fn()
  } catch (error) {
    expect(SamsaError.is(error, ErrorCodes.USAGE)).toBe(true)
    return error as SamsaError
  }
  throw new Error('expected a usage error')
}

describe('harness options', () => {
  it('runs the default suite on an embedded broker when given nothing', () => {
    const options = parseOptions([])
    expect(options.targets).toEqual([{ bootstrap: null, label: null, pid: null }])
    expect(options.workloads.map((w) => w.name)).toEqual([...DEFAULT_SUITE])
    expect(options.repetitions).toBe(1)
  })

  it('applies workload flags on top of every preset named', () => {
    const options = parseOptions(['--preset', 'small-records,1-topic-100-partitions-1kb-4p-4c', '--acks', 'all', '--compression', 'lz4', '--keys', 'random', '--duration', '2m', '--warmup', '500ms', '--rate', '250k', '--partitions', '16'])
    expect(options.workloads).toHaveLength(2)
    for (const w of options.workloads) {
      expect(w).toMatchObject({ acks: -1, compression: 'lz4', keyDistributor: 'random', durationSeconds: 120, warmupSeconds: 0.5, partitionsPerTopic: 16 })
      expect(w.producerRate).toEqual({ kind: 'fixed', messagesPerSecond: 250_000 })
    }
    expect(options.workloads[1]!.messageSize).toBe(1024)
  })

  it('shortens the default suite for --quick', () => {
    const options = parseOptions(['--quick'])
    expect(options.workloads.map((w) => [w.warmupSeconds, w.durationSeconds])).toEqual(DEFAULT_SUITE.map(() => [QUICK_TIMING.warmupSeconds, QUICK_TIMING.durationSeconds]))
  })

  it('takes a second broker to compare with, with labels and pids', () => {
    const options = parseOptions(['--bootstrap', '127.0.0.1:9092', '--label', 'samsa', '--compare', 'localhost:29092', '--compare-label', 'kafka', '--compare-pid', '4242'])
    expect(options.targets).toEqual([
      { bootstrap: '127.0.0.1:9092', label: 'samsa', pid: null },
      { bootstrap: 'localhost:29092', label: 'kafka', pid: 4242 },
    ])
  })

  it('says what is wrong with a bad flag before anything runs', () => {
    expect(usageError(() => parseOptions(['--acks', '2'])).message).toMatch(/--acks takes 0, 1 or all/)
    expect(usageError(() => parseOptions(['--preset', 'nope'])).message).toMatch(/no workload preset 'nope'/)
    expect(usageError(() => parseOptions(['--compare', 'nowhere'])).message).toMatch(/host:port/)
    expect(usageError(() => parseOptions(['--partitions', '0'])).message).toMatch(/positive whole number/)
    expect(usageError(() => parseOptions(['--compare-label', 'x'])).message).toMatch(/need --compare/)
    expect(usageError(() => parseOptions(['--bootstrap', '127.0.0.1:1', '--broker-set', 'a=b'])).message).toMatch(/embedded broker/)
    expect(usageError(() => parseOptions(['--frobnicate'])).message).toMatch(/frobnicate/)
    expect(usageError(() => parseOptions(['--random-bytes-ratio', '2'])).message).toMatch(/random-bytes ratio/)
  })

  it('reads rates and durations the way people write them', () => {
    expect(parseRate('max')).toEqual({ kind: 'max' })
    expect(parseRate('1M')).toEqual({ kind: 'fixed', messagesPerSecond: 1_000_000 })
    expect(parseRate('12500')).toEqual({ kind: 'fixed', messagesPerSecond: 12_500 })
    expect(parseRate('50%')).toEqual({ kind: 'fraction-of-max', fraction: 0.5 })
    expect(() => parseRate('150%')).toThrow()
    expect(() => parseRate('fast')).toThrow()
    expect(parseDuration('45', '--duration')).toBe(45)
    expect(parseDuration('1.5m', '--duration')).toBe(90)
    expect(parseDuration('250ms', '--duration')).toBe(0.25)
  })
})

describe('presets', () => {
  it('include the small-record preset and OMB\'s 1 KiB 100-partition 4p-4c workload', () => {
    expect(presetNamed('small-records')).toMatchObject({ messageSize: 100, partitionsPerTopic: 8, acks: 1, producerRate: { kind: 'max' } })
    expect(presetNamed('1-topic-100-partitions-1kb-4p-4c')).toMatchObject({ topics: 1, partitionsPerTopic: 100, messageSize: 1024, producersPerTopic: 4, consumerPerSubscription: 4 })
    for (const preset of presets) expect(() => withOverrides(preset, {})).not.toThrow()
  })

  it('pair the half-rate workload with its max-rate one by shape, not by name', () => {
    const half = presetNamed('small-records-half-rate')
    expect(sameShape(presetNamed('small-records'), half)).toBe(true)
    expect(sameShape(withOverrides(presetNamed('small-records'), { partitionsPerTopic: 4 }), half)).toBe(false)
  })
})
