/**
 * Test helper: franz-go (github.com/twmb/franz-go, a pure-Go Kafka client) through the small
 * programs under test/go/, one module with pinned versions (go.mod, go.sum) fetched from the Go
 * module proxy (GOPROXY from the environment). One `go build ./...` builds every program into a
 * directory outside the repository named after a hash of their sources, so the test files that
 * use them share one build and later runs reuse it; Go's own build cache makes a rebuild after a
 * change cheap. Each program prints JSON lines (see test/go/internal/report). Tests skip, saying
 * so, only when no Go toolchain is installed (.ci/run installs one).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { ROOT } from './broker-process.js'
import { trackProcess } from './leaks.js'

const MODULE = join(ROOT, 'test', 'go')
/** `go` on the PATH, else where the official tarball (and .ci/run) puts it. */
const GO = ['go', '/usr/local/go/bin/go'].find((candidate) => spawnSync(candidate, ['version'], { stdio: 'ignore' }).status === 0)

export const missingGo = GO === undefined
if (missingGo) console.warn('franz-go tests skipped: no Go toolchain (go 1.26 or newer; .ci/run installs one)')

/** One JSON line a program printed. */
export type GoLine = Record<string, unknown>

export interface GoRun {
  readonly code: number | null
  readonly lines: GoLine[]
  readonly stderr: string
}

export interface GoProcess {
  /** Every line so far; grows while the program runs. */
  readonly lines: GoLine[]
  /** Resolves once a line matches (or rejects when the program exits or the deadline passes first). */
  waitForLine(predicate: (line: GoLine) => boolean, timeoutMs?: number): Promise<GoLine>
  /** SIGTERM: the programs finish their work (commit, leave the group) and print "done". */
  terminate(): void
  readonly exited: Promise<GoRun>
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.go$|^go\.(mod|sum)$/.test(name) ? [path] : []
  })
}

let binDir: string | undefined

/** Builds every program once per change of their sources and returns where the binaries are. */
export function buildGoPrograms(): string {
  if (binDir !== undefined) return binDir
  if (GO === undefined) throw new Error('no Go toolchain')
  const hash = createHash('sha256')
  for (const file of sourceFiles(MODULE).sort()) hash.update(relative(MODULE, file)).update(readFileSync(file))
  const target = join(tmpdir(), `samsa-go-programs-${hash.digest('hex').slice(0, 16)}`)
  if (!existsSync(target)) {
    // Built aside and renamed, so test files that build at once never run a half-written binary.
    const staging = mkdtempSync(join(tmpdir(), 'samsa-go-build-'))
    const result = spawnSync(GO, ['build', '-o', staging + '/', './...'], {
      cwd: MODULE,
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=readonly' },
    })
    if (result.status !== 0) throw new Error(`go build ./... failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
    try {
      renameSync(staging, target)
    } catch {
      rmSync(staging, { recursive: true, force: true }) // another file's build got there first
    }
  }
  binDir = target
  return target
}

/** Starts test/go/<program> with `args`, collecting its JSON lines. */
export function startGo(program: string, args: readonly string[]): GoProcess {
  const child: ChildProcess = spawn(join(buildGoPrograms(), program), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  trackProcess(child, `franz-go ${program}`)
  const lines: GoLine[] = []
  const waiters = new Set<() => void>()
  let pending = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString()
    const complete = pending.split('\n')
    pending = complete.pop()!
    for (const text of complete) if (text.length > 0) lines.push(JSON.parse(text) as GoLine)
    for (const wake of waiters) wake()
  })
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  let done = false
  const exited = new Promise<GoRun>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      done = true
      for (const wake of waiters) wake()
      resolve({ code, lines, stderr })
    })
  })
  return {
    lines,
    exited,
    terminate: () => child.kill('SIGTERM'),
    waitForLine(predicate, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${program}: no matching line within ${timeoutMs} ms; lines: ${JSON.stringify(lines.slice(-5))}\n${stderr}`)), timeoutMs)
        const check = () => {
          const found = lines.find(predicate)
          if (found !== undefined) finish(null, found)
          else if (done) finish(new Error(`${program} exited without a matching line; last lines: ${JSON.stringify(lines.slice(-5))}\n${stderr}`))
        }
        const finish = (error: Error | null, line?: GoLine) => {
          clearTimeout(timer)
          waiters.delete(check)
          if (error === null) resolve(line!)
          else reject(error)
        }
        waiters.add(check)
        check()
      })
    },
  }
}

/** Runs test/go/<program> to its end. */
export function runGo(program: string, args: readonly string[]): Promise<GoRun> {
  return startGo(program, args).exited
}
