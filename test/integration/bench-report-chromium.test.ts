/**
 * The harness's HTML report in a real browser: headless Chromium (Debian's `chromium` package;
 * .ci/run installs it) opens the file, lays it out, takes a screenshot, and dumps the DOM after
 * the page's script marked every chart with the size it was rendered at.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { htmlReport } from '../../bench/harness/html-report.js'
import { CHART_KEYS, syntheticRun } from '../unit/bench/fixtures.js'

function chromium(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim()
    } catch {
      // try the next name
    }
  }
  throw new Error('Chromium is not installed: apt-get install -y chromium (.ci/run does this)')
}

function headless(args: string[], profile: string): string {
  return execFileSync(
    chromium(),
    ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`, ...args],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
  )
}

describe('benchmark report in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-report-'))
  const file = join(dir, 'report.html')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(
    file,
    htmlReport([syntheticRun('samsa (embedded)', 1, 1_000_000), syntheticRun('kafka 127.0.0.1:29092', 5, 800_000)], {
      command: 'npm run bench -- --compare 127.0.0.1:29092',
      startedAt: '2026-01-01T00:00:00Z',
      machine: { cpuModel: 'Test CPU', cores: 2, loadAverage: [0, 0, 0], node: process.version },
    }),
  )

  it('renders every chart with both brokers drawn', () => {
    const dom = headless(['--dump-dom', `file://${file}`], join(dir, 'profile-dom'))
    for (const key of CHART_KEYS) {
      const tag = new RegExp(`<svg[^>]*data-chart="${key}"[^>]*>`).exec(dom)?.[0]
      expect(tag, `svg.chart[data-chart="${key}"]`).toBeDefined()
      const [width, height] = (/data-rendered="(\d+)x(\d+)"/.exec(tag!) ?? []).slice(1).map(Number)
      expect(width, key).toBeGreaterThan(300)
      expect(height, key).toBeGreaterThan(100)
      // Two brokers: at least two series (lines or bars) in every chart.
      expect(Number(/data-drawn-series="(\d+)"/.exec(tag!)?.[1]), key).toBeGreaterThanOrEqual(2)
    }
  })

  it('takes a screenshot of the page with its charts', () => {
    const png = join(dir, 'report.png')
    headless([`--screenshot=${png}`, '--window-size=1400,2000', `file://${file}`], join(dir, 'profile-shot'))
    const bytes = readFileSync(png)
    expect(bytes.subarray(1, 4).toString()).toBe('PNG')
    // A blank page of this size compresses to a few KB; charts, tables and text take far more.
    expect(statSync(png).size).toBeGreaterThan(50_000)
  })
})
