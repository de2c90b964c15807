/**
 * The benchmark harness end to end, as a user runs it: `node dist/bench/harness/main.js` (what
 * `npm run bench` runs) with a tiny fixed-rate workload against its embedded broker, compared
 * with a second broker process. The harness must count, not assume: the test checks its JSON
 * says how many messages were published and that each one was consumed.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrokerProcess, ROOT, startBroker } from '../helpers/broker-process.js'

const HARNESS = join(ROOT, 'dist', 'bench', 'harness', 'main.js')

function runHarness(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HARNESS, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

interface RunJson {
  workload: string
  driver: string
  publishRate: number[]
  consumeRate: number[]
  aggregatedPublishLatency99pct: number
  aggregatedEndToEndLatency99pct: number
  samsa: {
    published: number
    consumed: number[]
    verification: { ok: boolean; acknowledged: number; appended: number; problems: string[]; subscriptions: Array<{ expected: number; received: number; missing: number; duplicates: number }> }
    brokerProcess: { cpuSeconds: number; peakRssBytes: number } | null
    loadGenerator: { cpuSeconds: number }
  }
}

let other: BrokerProcess
const out = mkdtempSync(join(tmpdir(), 'samsa-bench-it-'))

beforeAll(async () => {
  other = await startBroker()
})

afterAll(async () => {
  await other?.stop()
  rmSync(out, { recursive: true, force: true })
  rmSync(other?.dataDir, { recursive: true, force: true })
})

describe('npm run bench', () => {
  it('measures a fixed-rate workload on its embedded broker and on a second broker, and accounts for every message', async () => {
    const { code, stdout, stderr } = await runHarness([
      '--preset', 'small-records', '--partitions', '3', '--rate', '5000', '--warmup', '1s', '--duration', '2s',
      '--compare', other.bootstrap, '--compare-label', 'second', '--out', out,
    ])
    expect(code, stderr).toBe(0)
    expect(stdout).toMatch(/samsa \(embedded\) ÷ second/)

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { ok: boolean; runs: RunJson[]; comparisons: Array<{ figures: Record<string, { ratio: number | null }> }> }
    expect(summary.ok).toBe(true)
    expect(summary.runs.map((r) => r.driver)).toEqual(['samsa (embedded)', 'second'])
    for (const run of summary.runs) {
      const { published, consumed, verification } = run.samsa
      expect(published).toBeGreaterThan(0)
      expect(verification.appended).toBe(published)
      expect(consumed).toEqual([published])
      expect(verification.subscriptions[0]).toMatchObject({ expected: published, received: published, missing: 0, duplicates: 0 })
      expect(verification.ok).toBe(true)
      expect(run.publishRate.length).toBeGreaterThanOrEqual(1)
      expect(run.consumeRate.length).toBe(run.publishRate.length)
      expect(run.aggregatedPublishLatency99pct).toBeGreaterThan(0)
      expect(run.aggregatedEndToEndLatency99pct).toBeGreaterThanOrEqual(0)
      // Both brokers are local processes: their CPU and memory come from /proc.
      expect(run.samsa.brokerProcess?.peakRssBytes).toBeGreaterThan(0)
      expect(run.samsa.loadGenerator.cpuSeconds).toBeGreaterThan(0)
    }
    expect(typeof summary.comparisons[0]!.figures.publishRate!.ratio).toBe('number')

    const files = readdirSync(out)
    expect(files).toEqual(expect.arrayContaining(['summary.json', 'report.html', 'small-records-samsa-embedded-1.json', 'small-records-second-1.json']))
    const html = readFileSync(join(out, 'report.html'), 'utf8')
    for (const key of ['publish-rate', 'consume-rate', 'publish-latency', 'end-to-end-latency']) expect(html).toContain(`data-chart="${key}"`)
  })

  it('refuses a bad option with exit code 2 before starting anything', async () => {
    const { code, stderr } = await runHarness(['--rate', 'fast'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--rate takes max/)
  })

  it('lists its options with --help', async () => {
    const { code, stdout } = await runHarness(['--help'])
    expect(code).toBe(0)
    for (const flag of ['--bootstrap', '--compare', '--quick', '--preset', '--rate', '--acks', '--compression', '--keys', '--duration', '--warmup']) expect(stdout).toContain(flag)
    expect(existsSync(HARNESS)).toBe(true)
  })
})
