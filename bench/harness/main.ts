#!/usr/bin/env node
/**
 * `npm run bench` / `samsa bench`: runs the suite, prints a live progress line and the summary
 * tables, and writes the results: `summary.json` (every run, OMB-shaped, plus the machine and
 * the ratios), one OMB-style JSON per run, and `report.html`. Exits 1 when a run's accounts do
 * not add up (a message acknowledged but not consumed, a gap, a repeat), 2 on a usage error.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ErrorCodes, SamsaError } from '../../src/common/errors.js'
import { killEmbeddedBrokers } from './embedded-broker.js'
import { htmlReport } from './html-report.js'
import { HELP, parseOptions, presetList } from './options.js'
import { Progress } from './progress.js'
import { machine, runJson, summaryJson } from './result-json.js'
import type { RunResult } from './run-result.js'
import { runSuite } from './suite.js'
import { summaryTables } from './table.js'

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '')
}

function writeResults(dir: string, runs: readonly RunResult[], info: { command: string; startedAt: string; machineBefore: ReturnType<typeof machine> }): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summaryJson(runs, info), null, 2) + '\n')
  for (const run of runs) {
    writeFileSync(join(dir, `${slug(run.workload.name)}-${slug(run.target.label)}-${run.repetition}.json`), JSON.stringify(runJson(run), null, 2) + '\n')
  }
  writeFileSync(join(dir, 'report.html'), htmlReport(runs, { command: info.command, startedAt: info.startedAt, machine: info.machineBefore }))
}

/** Runs the harness with `argv` (the arguments after the command); resolves with the exit code. */
export async function runBench(argv: readonly string[]): Promise<number> {
  let options
  try {
    options = parseOptions(argv)
  } catch (error) {
    process.stderr.write(`samsa bench: ${(error as Error).message}\n`)
    return 2
  }
  if (options.help) {
    process.stdout.write(HELP)
    return 0
  }
  if (options.listPresets) {
    process.stdout.write(presetList())
    return 0
  }
  const startedAt = new Date().toISOString()
  const info = { command: ['npm run bench --', ...argv].join(' '), startedAt, machineBefore: machine() }
  // In the repository (npm run bench) results go to bench/results (ignored by git); elsewhere
  // (samsa bench from an installed package) to ./samsa-bench-results.
  const stamp = startedAt.replace(/[:.]/g, '-')
  const dir = options.outDir ?? (resolve(process.cwd()) === resolve(REPO_ROOT) ? join(REPO_ROOT, 'bench', 'results', stamp) : join(process.cwd(), 'samsa-bench-results', stamp))
  process.once('exit', killEmbeddedBrokers)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nsamsa bench: ${signal}, stopping\n`)
      process.exit(130)
    })
  }
  const progress = new Progress()
  progress.note(`samsa bench: ${info.machineBefore.cpuModel}, ${info.machineBefore.cores} cores, load average ${info.machineBefore.loadAverage.join(' ')}`)
  // Runs are kept as they finish, so a failure later still leaves the earlier ones reported.
  const runs: RunResult[] = []
  let failure: unknown = null
  try {
    await runSuite(options, progress, (run) => runs.push(run))
  } catch (error) {
    failure = error
  }
  if (runs.length > 0) {
    process.stdout.write('\n' + summaryTables(runs))
    writeResults(dir, runs, info)
    const shown = relative(process.cwd(), dir) || '.'
    process.stdout.write(`\nResults: ${join(shown, 'summary.json')} (and one JSON per run), report: ${join(shown, 'report.html')}\n`)
  }
  if (failure !== null) {
    process.stderr.write(`samsa bench: ${(failure as Error).message}\n`)
    return SamsaError.is(failure, ErrorCodes.USAGE) ? 2 : 1
  }
  return runs.every((r) => r.verification.ok) ? 0 : 1
}

/** `samsa bench` (src/cli/main.ts) calls this. */
export async function run(argv: string[]): Promise<void> {
  process.exit(await runBench(argv))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run(process.argv.slice(2))
}
