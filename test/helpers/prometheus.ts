/**
 * Test helper: a real Prometheus server (Debian's `prometheus` package) scraping the given
 * targets every second, on a free loopback port with its own temporary TSDB, and `promtool check
 * metrics` on a text. `stop` ends the server (SIGTERM, then SIGKILL after 10 s) and removes its
 * data; call it in afterAll so a failing test still stops it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-ports.js'

export interface PrometheusServer {
  readonly url: string
  /** Runs an instant query; resolves with each series' labels and value. */
  query(expression: string): Promise<Array<{ metric: Record<string, string>; value: number }>>
  /** Polls `expression` until `accept` holds for its result, or throws after `timeoutMs` with the last result. */
  waitFor(expression: string, accept: (values: number[]) => boolean, timeoutMs?: number): Promise<number[]>
  output(): string
  stop(): Promise<void>
}

export async function startPrometheus(targets: readonly string[]): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-prometheus-'))
  const configFile = join(dir, 'prometheus.yml')
  writeFileSync(
    configFile,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: samsa',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  )
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(dir, { recursive: true, force: true })
  }

  const query = async (expression: string): Promise<Array<{ metric: Record<string, string>; value: number }>> => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expression)}`)
    const body = (await response.json()) as { status: string; error?: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }
    if (body.status !== 'success') throw new Error(`Prometheus query ${expression} failed: ${body.error}`)
    return body.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }))
  }

  try {
    const deadline = Date.now() + 30_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`)
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)
      if (ready) break
      if (Date.now() > deadline) throw new Error(`prometheus was not ready within 30 s:\n${output}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } catch (error) {
    await stop()
    throw error
  }

  return {
    url,
    query,
    async waitFor(expression, accept, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      let last: number[] = []
      for (;;) {
        last = (await query(expression)).map((r) => r.value)
        if (accept(last)) return last
        if (Date.now() > deadline) throw new Error(`Prometheus never gave an accepted value for ${expression} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    },
    output: () => output,
    stop,
  }
}

/** `promtool check metrics` on `text`: its exit code and what it reported (one problem a line). */
export function promtoolCheckMetrics(text: string): { status: number | null; problems: string[] } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 })
  if (result.error !== undefined) throw result.error
  const problems = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '')
  return { status: result.status, problems }
}
