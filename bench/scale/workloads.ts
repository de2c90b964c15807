/**
 * The bench harness (bench/harness, `npm run bench`) on the OMB workload of 1 topic, 1 KiB
 * records, 4 producers and 4 consumers, acks=all, at 8, 100 (OMB's own 1-topic-100-partitions)
 * and 1,000 partitions, one after the other in this run: what more partitions cost in
 * throughput and latency. Each runs against the harness's own fresh broker.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HARNESS = fileURLToPath(new URL('../harness/main.js', import.meta.url))
const PRESET = '1-topic-100-partitions-1kb-4p-4c'

export interface WorkloadFigures {
  readonly partitions: number
  readonly publishRate: number
  readonly publishMBs: number
  readonly publishP99Ms: number
  readonly endToEndP50Ms: number
  readonly endToEndP99Ms: number
  /** Every message acknowledged was received, in order (the harness's verification). */
  readonly verified: boolean
}

interface HarnessRun {
  readonly aggregatedPublishLatency99pct: number
  readonly aggregatedEndToEndLatency50pct: number
  readonly aggregatedEndToEndLatency99pct: number
  readonly samsa: { readonly publishRateAvg: number; readonly publishMBsAvg: number }
}

/** Runs the workload at each partition count; `done` gets each result as it comes. */
export async function runWorkloads(duration: string, done: (figures: WorkloadFigures) => void, partitionCounts: readonly number[] = [8, 100, 1000]): Promise<WorkloadFigures[]> {
  const out: WorkloadFigures[] = []
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-scale-omb-'))
  try {
    for (const partitions of partitionCounts) {
      const results = join(dir, `omb-${partitions}`)
      const args = ['--single-threaded-gc', HARNESS, '--preset', PRESET, '--partitions', String(partitions), '--duration', duration, '--warmup', '5s', '--out', results]
      console.log(`workload: ${PRESET} with ${partitions} partitions (node ${args.slice(1).join(' ')})`)
      const code = await new Promise<number | null>((resolve) => spawn(process.execPath, args, { stdio: 'inherit' }).once('exit', resolve))
      if (code !== 0) throw new Error(`the harness exited with ${code} for ${partitions} partitions`)
      const summary = JSON.parse(readFileSync(join(results, 'summary.json'), 'utf8')) as { ok: boolean; runs: HarnessRun[] }
      const run = summary.runs[0]!
      out.push({
        partitions,
        publishRate: run.samsa.publishRateAvg,
        publishMBs: run.samsa.publishMBsAvg,
        publishP99Ms: run.aggregatedPublishLatency99pct,
        endToEndP50Ms: run.aggregatedEndToEndLatency50pct,
        endToEndP99Ms: run.aggregatedEndToEndLatency99pct,
        verified: summary.ok,
      })
      done(out[out.length - 1]!)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}
