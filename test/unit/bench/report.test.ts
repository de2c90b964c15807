import { describe, expect, it } from 'vitest'
import { htmlReport } from '../../../bench/harness/html-report.js'
import { comparisons, runJson, summaryJson } from '../../../bench/harness/result-json.js'
import { niceTicks, shortNumber } from '../../../bench/harness/svg-chart.js'
import { summaryTables } from '../../../bench/harness/table.js'
import { CHART_KEYS, syntheticRun } from './fixtures.js'

const machine = { cpuModel: 'Test CPU', cores: 2, loadAverage: [0.5, 0.4, 0.3], node: 'v20.0.0' }
const runs = [syntheticRun('samsa (embedded)', 1, 1_000_000), syntheticRun('kafka <3.9>', 5, 800_000)]

describe('HTML report', () => {
  const html = htmlReport(runs, { command: 'npm run bench -- --compare 127.0.0.1:29092', startedAt: '2026-01-01T00:00:00Z', machine })

  it('is one self-contained page: nothing to fetch', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).not.toMatch(/<link|src=|href="http|@import|url\(/)
  })

  it('draws every chart for the workload with a series per broker', () => {
    for (const key of CHART_KEYS) {
      const chart = new RegExp(`<svg class="chart" data-chart="${key}"[\\s\\S]*?</svg>`).exec(html)
      expect(chart, key).not.toBeNull()
      expect(chart![0]).toMatch(/samsa \(embedded\)/)
      expect(chart![0]).toMatch(/kafka &lt;3\.9&gt;/)
    }
    const rate = /<svg class="chart" data-chart="publish-rate"[\s\S]*?<\/svg>/.exec(html)![0]
    expect(rate.match(/<path class="series"/g)).toHaveLength(2)
    expect(/d="M[\d.]+,[\d.]+( L[\d.]+,[\d.]+){11}"/.test(rate)).toBe(true)
  })

  it('shows each figure for both brokers with their ratio', () => {
    const row = /<tr data-figure="publishRate"><td>[^<]*<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td><td>([^<]*)<\/td>/.exec(html)
    expect(row?.slice(1)).toEqual(['1,000,000', '800,000', '1.25'])
  })
})

describe('summary table and JSON', () => {
  it('prints a ratio column when two brokers ran, and the accounts check', () => {
    const text = summaryTables(runs)
    expect(text).toMatch(/samsa \(embedded\) ÷ kafka <3\.9>/)
    expect(text).toMatch(/publish rate \(msg\/s\)\s+1,000,000\s+800,000\s+1\.25/)
    expect(text).toMatch(/✓ samsa \(embedded\): 12,000,000 messages acknowledged/)
  })

  it('writes OMB\'s field names with per-second series of the measured window', () => {
    const json = runJson(runs[0]!)
    expect(json).toMatchObject({ workload: 'small-records', driver: 'samsa (embedded)', messageSize: 100, partitions: 8 })
    expect(json.publishRate).toHaveLength(10)
    expect(json.consumeRate).toHaveLength(10)
    expect(typeof json.aggregatedPublishLatency99pct).toBe('number')
    expect(typeof json.aggregatedEndToEndLatency999pct).toBe('number')
    expect(Object.keys(json.aggregatedEndToEndLatencyQuantiles as object)).toContain('50')
    expect((json.samsa as { published: number }).published).toBe(12_000_000)
  })

  it('gives the ratio of every figure in the summary file', () => {
    const [comparison] = comparisons(runs)
    expect(comparison).toMatchObject({ workload: 'small-records', ratio: 'samsa (embedded) ÷ kafka <3.9>' })
    const figures = comparison!.figures as Record<string, { ratio: number }>
    expect(figures.publishRate!.ratio).toBeCloseTo(1.25)
    expect(figures.brokerCores!.ratio).toBeCloseTo(1)
    const summary = summaryJson(runs, { command: 'x', startedAt: 'y', machineBefore: machine })
    expect(summary).toMatchObject({ tool: 'samsa-bench', ok: true })
    expect(summary.runs).toHaveLength(2)
  })
})

describe('chart helpers', () => {
  it('picks 1-2-5 ticks that cover the data', () => {
    expect(niceTicks(9.3)).toEqual([0, 2, 4, 6, 8, 10])
    expect(niceTicks(1_234_567)).toEqual([0, 500_000, 1_000_000, 1_500_000])
    expect(shortNumber(1_234_567)).toBe('1.23M')
    expect(shortNumber(0.125)).toBe('0.125')
  })
})
