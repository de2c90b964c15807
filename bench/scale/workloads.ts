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
  /** The harness's result file for this run (its JSON, as written by --out). */
  readonly result: unknown
}

export async function runWorkloads(duration: string, partitionCounts: readonly number[] = [8, 100, 1000]): Promise<WorkloadFigures[]> {
  const out: WorkloadFigures[] = []
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-scale-omb-'))
  try {
    for (const partitions of partitionCounts) {
      const file = join(dir, `omb-${partitions}.json`)
      const args = ['--single-threaded-gc', HARNESS, '--preset', PRESET, '--partitions', String(partitions), '--duration', duration, '--warmup', '5s', '--out', file]
      console.log(`workload: ${PRESET} with ${partitions} partitions (node ${args.slice(1).join(' ')})`)
      const code = await new Promise<number | null>((resolve) => spawn(process.execPath, args, { stdio: 'inherit' }).once('exit', resolve))
      if (code !== 0) throw new Error(`the harness exited with ${code} for ${partitions} partitions`)
      out.push({ partitions, result: JSON.parse(readFileSync(file, 'utf8')) })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}
