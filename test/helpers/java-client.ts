/**
 * Test helper: the Java client (org.apache.kafka:kafka-clients 3.9) through the small program in
 * test/java/client/src: its default producer (idempotence on, acks=all) and an assigning
 * consumer. kafka-clients and its dependencies come from Maven Central through
 * test/java/client/pom.xml, and the program is compiled with javac; both are cached under its
 * target/. Tests skip, saying so, only when java, javac or mvn is not installed (.ci/run installs
 * them).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './broker-process.js'
import { trackProcess } from './leaks.js'

const JAVA_DIR = join(ROOT, 'test', 'java', 'client')
const LIB = join(JAVA_DIR, 'target', 'lib')
const CLASSES = join(JAVA_DIR, 'target', 'classes')
const SOURCE = join(JAVA_DIR, 'src', 'SamsaJavaClient.java')

export const missingTools = ['java', 'javac', 'mvn'].filter((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).error !== undefined)
if (missingTools.length > 0) {
  console.warn(`java-client tests skipped: ${missingTools.join(', ')} not installed (Debian: openjdk-17-jdk-headless maven; .ci/run installs them)`)
}

function run(command: string, args: readonly string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
}

/** Fetches the jars (once) and compiles the program (when its source changed). */
export function prepareJava(): void {
  // jackson-databind came later (the OAUTHBEARER tests): a lib directory without it is fetched again.
  const jars = existsSync(LIB) ? readdirSync(LIB) : []
  const hasJars = ['kafka-clients-', 'jackson-databind-'].every((prefix) => jars.some((name) => name.startsWith(prefix)))
  if (!hasJars) run('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${LIB}`], JAVA_DIR)
  const compiled = join(CLASSES, 'SamsaJavaClient.class')
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(SOURCE).mtimeMs) {
    run('javac', ['-d', CLASSES, '-cp', `${LIB}/*`, SOURCE], JAVA_DIR)
  }
}

/**
 * Starts the Java program and leaves it running, for tests that look at it while it works; the
 * caller kills it (and must, in afterAll, even when the test fails).
 */
export function spawnJava(...args: string[]): ChildProcess {
  const child = spawn('java', ['-cp', `${CLASSES}:${LIB}/*`, 'SamsaJavaClient', ...args], { stdio: 'ignore' })
  trackProcess(child, `java SamsaJavaClient ${args[0]}`)
  return child
}

/** Runs the Java program and returns its tab-separated output lines. */
export function java(...args: string[]): Promise<string[][]> {
  return javaWithConfig(null, ...args)
}

/**
 * Runs the Java program with extra client properties (a properties file: security.protocol,
 * sasl.mechanism, sasl.jaas.config, ...) added to every client it makes.
 */
export function javaWithConfig(clientConfigFile: string | null, ...args: string[]): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, SAMSA_CLIENT_CONFIG: clientConfigFile ?? '' }
    const child = spawn('java', ['-cp', `${CLASSES}:${LIB}/*`, 'SamsaJavaClient', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`java ${args.join(' ')} exited with ${code}:\n${stderr}`))
      else resolve(stdout.split('\n').filter((line) => line.length > 0).map((line) => line.split('\t')))
    })
  })
}

