/**
 * Runs test/helpers/etcd-candidate.mjs (a broker that registers and campaigns for controller)
 * as a child process on the compiled dist/, rebuilding dist/ first when src/cluster is newer.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { repoRoot } from './dist.js'

export interface Candidate {
  readonly nodeId: number
  readonly child: ChildProcess
  /** Resolves with the first output line matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  kill(): Promise<void>
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})
afterAll(async () => {
  await Promise.all([...running].map((child) => new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })))
})

export function ensureClusterDistBuilt(): void {
  const entry = join(repoRoot, 'dist', 'src', 'cluster', 'index.js')
  const srcDir = join(repoRoot, 'src', 'cluster')
  const newest = Math.max(...readdirSync(srcDir).map((name) => statSync(join(srcDir, name)).mtimeMs))
  if (existsSync(entry) && statSync(entry).mtimeMs >= newest) return
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: repoRoot, stdio: 'inherit' })
}

export function startCandidate(endpoints: readonly string[], prefix: string, nodeId: number, sessionMs: number): Candidate {
  const child = spawn(process.execPath, [join(repoRoot, 'test', 'helpers', 'etcd-candidate.mjs'), endpoints.join(','), prefix, String(nodeId), String(sessionMs)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  return {
    nodeId,
    child,
    line(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          for (const text of output.split('\n')) {
            const match = pattern.exec(text)
            if (match !== null) {
              cleanup()
              resolve(match)
              return true
            }
          }
          return false
        }
        const onExit = (): void => { cleanup(); reject(new Error(`candidate ${nodeId} exited before printing ${pattern}:\n${output}`)) }
        const timer = setTimeout(() => { cleanup(); reject(new Error(`candidate ${nodeId} did not print ${pattern} within ${timeoutMs} ms:\n${output}`)) }, timeoutMs)
        const cleanup = (): void => {
          clearTimeout(timer)
          child.stdout!.off('data', check)
          child.off('exit', onExit)
        }
        if (check()) return
        child.stdout!.on('data', check)
        child.once('exit', onExit)
      })
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.kill('SIGKILL')
      await exited
    },
  }
}
