/**
 * Test helper: the Java transaction programs of test/java/txn/src (TxnProduceConsume, TxnCopier,
 * StreamsWordCount) on kafka-clients and kafka-streams 3.9.1. The jars come from Maven Central
 * through test/java/txn/pom.xml and the programs are compiled with javac; both are cached under
 * its target/. Tests skip, saying so, only when java, javac or mvn is not installed (.ci/run
 * installs them).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './broker-process.js'
import { trackProcess } from './leaks.js'

const JAVA_DIR = join(ROOT, 'test', 'java', 'txn')
const LIB = join(JAVA_DIR, 'target', 'lib')
const CLASSES = join(JAVA_DIR, 'target', 'classes')
const SOURCES = ['TxnProduceConsume', 'TxnCopier', 'StreamsWordCount'].map((name) => join(JAVA_DIR, 'src', `${name}.java`))

export const missingJavaTools = ['java', 'javac', 'mvn'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).error !== undefined)
if (missingJavaTools.length > 0) {
  console.warn(`Java transaction tests skipped: ${missingJavaTools.join(', ')} not installed (Debian: openjdk-17-jdk-headless maven; .ci/run installs them)`)
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { cwd: JAVA_DIR, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
}

/** Fetches the jars (once) and compiles the programs (when a source is newer than its class). */
export function prepareJavaTxn(): void {
  const hasJars = existsSync(LIB) && readdirSync(LIB).some((name) => name.startsWith('kafka-streams-'))
  if (!hasJars) run('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`])
  const stale = SOURCES.some((source) => {
    const compiled = join(CLASSES, source.slice(source.lastIndexOf('/') + 1).replace('.java', '.class'))
    return !existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs
  })
  if (stale) run('javac', ['-d', CLASSES, '-cp', `${LIB}/*`, ...SOURCES])
}

/** A running Java program: its tab-separated output lines so far, and a way to wait for one. */
export interface JavaProcess {
  readonly child: ChildProcess
  readonly lines: string[][]
  /** stderr so far, for assertion messages. */
  stderr(): string
  /** Resolves with the first line (already printed or to come) that `match` accepts. */
  waitForLine(match: (line: string[]) => boolean, timeoutMs: number): Promise<string[]>
  /** Resolves with the exit code once the program has exited. */
  readonly exited: Promise<number | null>
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>
}

/** Starts `main` with `args`; the caller stops it (kill) in an afterAll/afterEach. */
export function startJava(main: string, args: readonly string[]): JavaProcess {
  const child = spawn('java', ['-Xmx256m', '-cp', `${CLASSES}:${LIB}/*`, main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  trackProcess(child, `java ${main}`)
  const lines: string[][] = []
  const waiters = new Set<{ match: (line: string[]) => boolean; resolve: (line: string[]) => void }>()
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    let newline
    while ((newline = stdout.indexOf('\n')) !== -1) {
      const line = stdout.slice(0, newline).split('\t')
      stdout = stdout.slice(newline + 1)
      lines.push(line)
      for (const waiter of waiters) {
        if (waiter.match(line)) {
          waiters.delete(waiter)
          waiter.resolve(line)
        }
      }
    }
  })
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitForLine(match, timeoutMs) {
      const seen = lines.find(match)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (line: string[]) => { clearTimeout(timer); resolve(line) } }
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new Error(`java ${main}: no matching line within ${timeoutMs} ms; last lines:\n${lines.slice(-10).map((l) => l.join('\t')).join('\n')}\nstderr:\n${stderr.slice(-4000)}`))
        }, timeoutMs)
        waiters.add(waiter)
        void exited.then((code) => {
          if (!waiters.delete(waiter)) return
          clearTimeout(timer)
          reject(new Error(`java ${main} exited with ${code} before a matching line; stderr:\n${stderr.slice(-4000)}`))
        })
      })
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

/** Runs `main` to its end and returns its output lines; rejects on a non-zero exit. */
export async function runJava(main: string, args: readonly string[]): Promise<string[][]> {
  const program = startJava(main, args)
  const code = await program.exited
  if (code !== 0) throw new Error(`java ${main} ${args.join(' ')} exited with ${code}:\n${program.stderr().slice(-4000)}`)
  return program.lines
}
