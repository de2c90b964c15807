import { describe, expect, it } from 'vitest'
import { parseIsoDurationNanos, parseShareAutoOffsetReset } from '../../../src/common/config/share-auto-offset-reset.js'

const HOUR_MS = 3_600_000

describe('share.auto.offset.reset', () => {
  it('names latest, earliest, or by_duration with its duration in milliseconds', () => {
    expect(parseShareAutoOffsetReset('latest')).toEqual({ type: 'latest', text: 'latest' })
    expect(parseShareAutoOffsetReset('earliest')).toEqual({ type: 'earliest', text: 'earliest' })
    expect(parseShareAutoOffsetReset('by_duration:PT1H')).toEqual({ type: 'by_duration', text: 'by_duration:PT1H', durationMs: HOUR_MS })
    expect(parseShareAutoOffsetReset('by_duration:P1DT2H3M4.5S')).toMatchObject({ durationMs: 24 * HOUR_MS + 2 * HOUR_MS + 3 * 60_000 + 4500 })
    expect(parseShareAutoOffsetReset('by_duration:PT0S')).toMatchObject({ durationMs: 0 })
  })

  it('refuses what Kafka refuses: other names or case, a missing or malformed duration, a negative one', () => {
    for (const text of ['none', 'Latest', 'EARLIEST', 'by_duration', 'by_duration:', 'BY_DURATION:PT1H', 'by_duration:1H', 'by_duration:PT', 'by_duration:P', 'by_duration:P1H', 'by_duration:PT1D', 'by_duration:-PT1H', 'by_duration:PT-1S', 'by_duration:PT-0.001S', 'by_duration: PT1H']) {
      expect(parseShareAutoOffsetReset(text), text).toBeNull()
    }
  })
})

describe("ISO-8601 durations, as java.time.Duration.parse reads them", () => {
  it('reads days, hours, minutes and seconds, in either case, with signed parts and up to nine decimals', () => {
    expect(parseIsoDurationNanos('PT20.345S')).toBe(20_345_000_000n)
    expect(parseIsoDurationNanos('pt15m')).toBe(900_000_000_000n)
    expect(parseIsoDurationNanos('P2D')).toBe(172_800_000_000_000n)
    expect(parseIsoDurationNanos('PT0,000000001S')).toBe(1n)
    expect(parseIsoDurationNanos('P-6H3M')).toBeNull()
    expect(parseIsoDurationNanos('PT-6H3M')).toBe(-(6n * 3600n - 180n) * 1_000_000_000n)
    expect(parseIsoDurationNanos('-PT6H3M')).toBe(-(6n * 3600n + 180n) * 1_000_000_000n)
    expect(parseIsoDurationNanos('PT-1.5S')).toBe(-1_500_000_000n)
    expect(parseIsoDurationNanos('+PT1M')).toBe(60_000_000_000n)
  })

  it('refuses a bare T, no part, more than nine decimals, and more seconds than a Java long holds', () => {
    expect(parseIsoDurationNanos('PT')).toBeNull()
    expect(parseIsoDurationNanos('P')).toBeNull()
    expect(parseIsoDurationNanos('P1DT')).toBeNull()
    expect(parseIsoDurationNanos('PT1.0000000001S')).toBeNull()
    expect(parseIsoDurationNanos('PT9223372036854775808S')).toBeNull()
    expect(parseIsoDurationNanos('PT9223372036854775807S')).toBe(9_223_372_036_854_775_807n * 1_000_000_000n)
  })
})
