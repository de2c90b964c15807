/**
 * The Prometheus text format as /metrics writes it (version 0.0.4): label values and HELP text
 * escaped as the format requires, special float values spelled as Prometheus parses them,
 * histograms as cumulative buckets ending in +Inf with _sum and _count, and each family's samples
 * kept together under its own HELP and TYPE however they were added.
 */
import { describe, expect, it } from 'vitest'
import { Exposition, escapeHelp, escapeLabelValue, formatValue, labels } from '../../../../src/gateway/metrics/exposition.js'

describe('Prometheus text exposition', () => {
  it('escapes backslash, double quote and line feed in label values, and nothing else', () => {
    expect(escapeLabelValue('orders')).toBe('orders')
    expect(escapeLabelValue('a\\b')).toBe('a\\\\b')
    expect(escapeLabelValue('say "hi"')).toBe('say \\"hi\\"')
    expect(escapeLabelValue('two\nlines')).toBe('two\\nlines')
    expect(escapeLabelValue("tab\there, 'quotes', {braces}=")).toBe("tab\there, 'quotes', {braces}=")
    expect(labels({ consumergroup: 'g"1\\\n', topic: 't', partition: 3 })).toBe('consumergroup="g\\"1\\\\\\n",topic="t",partition="3"')
  })

  it('escapes backslash and line feed in HELP text but leaves quotes alone', () => {
    expect(escapeHelp('path C:\\x\nnext "line"')).toBe('path C:\\\\x\\nnext "line"')
  })

  it('writes special values the way Prometheus parses them', () => {
    expect(formatValue(42)).toBe('42')
    expect(formatValue(0.25)).toBe('0.25')
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('+Inf')
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe('-Inf')
    expect(formatValue(Number.NaN)).toBe('NaN')
    expect(formatValue(2 ** 53)).toBe('9007199254740992')
  })

  it('keeps each family under one HELP and TYPE even when samples of two families interleave', () => {
    const out = new Exposition()
    const size = out.family('kafka_log_log_size', 'gauge', 'Bytes in the log.')
    const end = out.family('kafka_log_log_logendoffset', 'gauge', 'Log end offset.')
    for (const partition of [0, 1]) {
      const where = labels({ topic: 'orders', partition })
      size.add(where, 100 * (partition + 1))
      end.add(where, 10 * (partition + 1))
    }
    expect(out.toString()).toBe(
      [
        '# HELP kafka_log_log_size Bytes in the log.',
        '# TYPE kafka_log_log_size gauge',
        'kafka_log_log_size{topic="orders",partition="0"} 100',
        'kafka_log_log_size{topic="orders",partition="1"} 200',
        '# HELP kafka_log_log_logendoffset Log end offset.',
        '# TYPE kafka_log_log_logendoffset gauge',
        'kafka_log_log_logendoffset{topic="orders",partition="0"} 10',
        'kafka_log_log_logendoffset{topic="orders",partition="1"} 20',
        '',
      ].join('\n'),
    )
  })

  it('writes a histogram as cumulative buckets up to +Inf, then _sum and _count', () => {
    const out = new Exposition()
    // Counts per bucket, not cumulative: 2 at ≤1 ms, 0 at ≤5, 3 at ≤10 and 1 above every bound.
    out.family('kafka_network_requestmetrics_totaltimems', 'histogram', 'Total time.').addHistogram('request="Produce"', [1, 5, 10], [2, 0, 3, 1], 61.5)
    expect(out.toString()).toBe(
      [
        '# HELP kafka_network_requestmetrics_totaltimems Total time.',
        '# TYPE kafka_network_requestmetrics_totaltimems histogram',
        'kafka_network_requestmetrics_totaltimems_bucket{request="Produce",le="1"} 2',
        'kafka_network_requestmetrics_totaltimems_bucket{request="Produce",le="5"} 2',
        'kafka_network_requestmetrics_totaltimems_bucket{request="Produce",le="10"} 5',
        'kafka_network_requestmetrics_totaltimems_bucket{request="Produce",le="+Inf"} 6',
        'kafka_network_requestmetrics_totaltimems_sum{request="Produce"} 61.5',
        'kafka_network_requestmetrics_totaltimems_count{request="Produce"} 6',
        '',
      ].join('\n'),
    )
  })

  it('writes an unlabelled histogram and sample without braces', () => {
    const out = new Exposition()
    out.family('nodejs_gc_duration_seconds', 'histogram', 'GC.').addHistogram('', [0.001], [1, 0], 0.0005)
    out.family('kafka_brokers', 'gauge', 'Brokers.').add('', 1)
    expect(out.toString()).toContain('nodejs_gc_duration_seconds_bucket{le="0.001"} 1\nnodejs_gc_duration_seconds_bucket{le="+Inf"} 1\n')
    expect(out.toString()).toContain('nodejs_gc_duration_seconds_sum 0.0005\nnodejs_gc_duration_seconds_count 1\n')
    expect(out.toString()).toContain('\nkafka_brokers 1\n')
  })

  it('leaves out families that got no samples, and refuses a family declared twice', () => {
    const out = new Exposition()
    out.family('kafka_consumergroup_lag', 'gauge', 'Lag.')
    out.family('kafka_brokers', 'gauge', 'Brokers.').add('', 3)
    expect(out.toString()).not.toContain('kafka_consumergroup_lag')
    expect(() => out.family('kafka_brokers', 'gauge', 'again')).toThrow(/declared twice/)
  })
})
