/**
 * What SASL costs: produce and consume throughput, and the broker's CPU-seconds per GB, over
 * PLAINTEXT and over SASL (SASL_SSL with SCRAM-SHA-512 by default) on one Samsa broker in the
 * same run, and over SASL_SSL on Apache Kafka 3.9 on the same machine (bench/kafka/kafka.sh
 * --sasl-ssl, started and stopped here).
 *
 *   npm run build:ts && npm run bench:sasl -- [--mb 256] [--record-bytes 1024] [--partitions 4]
 *     [--protocol SASL_SSL|SASL_PLAINTEXT] [--skip-kafka] [--kafka-port 29392]
 *
 * The driver is kcat (librdkafka) for every target, so client costs are the same on each side:
 * produce is `kcat -P -l <file>` with acks=1 (linger 5 ms, 1 MB batches), consume is
 * `kcat -C -o beginning -e` and must return every record produced. Broker CPU comes from
 * /proc/<pid>/stat (user + system) before and after each phase; for Kafka, the JVM's pid.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const KAFKA_SH = fileURLToPath(new URL('../../../bench/kafka/kafka.sh', import.meta.url))

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '256' },
    'record-bytes': { type: 'string', default: '1024' },
    partitions: { type: 'string', default: '4' },
    protocol: { type: 'string', default: 'SASL_SSL' },
    'skip-kafka': { type: 'boolean', default: false },
    'kafka-port': { type: 'string', default: '29392' },
  },
})
const recordBytes = Number(args['record-bytes'])
const records = Math.ceil((Number(args.mb) * 1e6) / recordBytes)
const partitions = Number(args.partitions)
const protocol = args.protocol!
if (protocol !== 'SASL_SSL' && protocol !== 'SASL_PLAINTEXT') throw new Error('--protocol is SASL_SSL or SASL_PLAINTEXT')

const work = mkdtempSync(join(tmpdir(), 'samsa-bench-sasl-'))
const payload = join(work, 'records.txt')

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = pattern.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${pattern}:\n${output}`)))
  })
}

interface Target {
  readonly name: string
  readonly bootstrap: string
  readonly pid: number
  readonly kcatArgs: readonly string[]
}

interface Phase {
  readonly seconds: number
  readonly cpu: number
}

function kcatRun(args: readonly string[], countLines: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['ignore', countLines ? 'pipe' : 'ignore', 'pipe'] })
    let lines = 0
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++
    })
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('exit', (code) => (code === 0 ? resolve(lines) : reject(new Error(`kcat ${args.join(' ')} exited with ${code}: ${stderr}`))))
  })
}

async function measure(target: Target, action: () => Promise<void>): Promise<Phase> {
  const cpuBefore = cpuSeconds(target.pid)
  const started = process.hrtime.bigint()
  await action()
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, cpu: cpuSeconds(target.pid) - cpuBefore }
}

async function bench(target: Target): Promise<{ produce: Phase; consume: Phase }> {
  const topic = `bench-${target.name.replace(/[^a-z0-9]+/gi, '-')}`
  // A first record creates the topic (auto-create), outside the measurement.
  const warmUp = spawn('kcat', ['-P', '-b', target.bootstrap, '-t', topic, ...target.kcatArgs], { stdio: ['pipe', 'ignore', 'inherit'] })
  warmUp.stdin!.end('warm-up\n')
  const warmUpCode = await new Promise((resolve) => warmUp.once('exit', resolve))
  if (warmUpCode !== 0) throw new Error(`${target.name}: kcat could not produce (exit ${String(warmUpCode)})`)
  const produce = await measure(target, () =>
    kcatRun(['-P', '-b', target.bootstrap, '-t', topic, '-l', '-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.kbytes=262144', ...target.kcatArgs, payload], false).then(() => undefined),
  )
  let consumed = 0
  const consume = await measure(target, async () => {
    consumed = await kcatRun(['-C', '-b', target.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n', '-X', 'fetch.max.bytes=52428800', ...target.kcatArgs], true)
  })
  if (consumed !== records + 1) throw new Error(`${target.name}: consumed ${consumed} records, produced ${records + 1}`)
  return { produce, consume }
}

function line(name: string, phase: string, result: Phase): string {
  const bytes = records * recordBytes
  return `${name.padEnd(30)} ${phase.padEnd(8)} ${(bytes / 1e6 / result.seconds).toFixed(1).padStart(7)} MB/s  ${Math.round(records / result.seconds).toLocaleString('en').padStart(9)} rec/s  broker ${(result.cpu / (bytes / 1e9)).toFixed(2).padStart(6)} CPU-s/GB`
}

const cleanups: Array<() => Promise<void> | void> = []
try {
  writeFileSync(payload, Array.from({ length: records }, (_, i) => String(i).padStart(recordBytes, 'x')).join('\n') + '\n')

  // Samsa: PLAINTEXT and the SASL listener on one broker, the admin bootstrapped before start.
  const dataDir = join(work, 'samsa')
  await run(process.execPath, [CLI, 'user', 'add', '--data-dir', dataDir, '--user', 'admin', '--password', 'admin-secret', '--mechanism', 'SCRAM-SHA-512'])
  const tls = join(work, 'tls')
  await run('mkdir', ['-p', tls])
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(tls, 'key.pem'), '-out', join(tls, 'ca.pem')])
  writeFileSync(join(tls, 'keystore.pem'), readFileSync(join(tls, 'key.pem'), 'utf8') + readFileSync(join(tls, 'ca.pem'), 'utf8'))
  const saslPort = await freePort()
  const listenerName = protocol
  const settings: Record<string, string> = {
    'listeners': `PLAINTEXT://127.0.0.1:0,${listenerName}://127.0.0.1:${saslPort}`,
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'num.partitions': String(partitions),
    ...(protocol === 'SASL_SSL' && { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': join(tls, 'keystore.pem') }),
  }
  const samsa = spawn(process.execPath, [CLI, 'start', '--port', '0', '--http-port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...Object.entries(settings).flatMap(([k, v]) => ['--set', `${k}=${v}`])], { stdio: ['ignore', 'pipe', 'pipe'] })
  cleanups.push(() => new Promise<void>((resolve) => {
    samsa.once('exit', () => resolve())
    samsa.kill('SIGTERM')
  }))
  const ready = await waitForLine(samsa, /ready on (\S+):(\d+)/, 60_000)
  const saslArgs = (ca: string) => [
    '-X', `security.protocol=${protocol}`, '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=admin', '-X', 'sasl.password=admin-secret',
    ...(protocol === 'SASL_SSL' ? ['-X', `ssl.ca.location=${ca}`] : []),
  ]
  const targets: Target[] = [
    { name: 'samsa PLAINTEXT', bootstrap: `${ready[1]}:${ready[2]}`, pid: samsa.pid!, kcatArgs: [] },
    { name: `samsa ${protocol} SCRAM-512`, bootstrap: `127.0.0.1:${saslPort}`, pid: samsa.pid!, kcatArgs: saslArgs(join(tls, 'ca.pem')) },
  ]

  if (!args['skip-kafka'] && protocol === 'SASL_SSL') {
    const kafka = spawn('bash', [KAFKA_SH, '--port', args['kafka-port']!, '--sasl-ssl'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    cleanups.push(() => new Promise<void>((resolve) => {
      kafka.once('exit', () => resolve())
      process.kill(-kafka.pid!, 'SIGTERM')
    }))
    const kafkaReady = await waitForLine(kafka, /pid (\d+),[\s\S]*SASL_SSL on (\S+) \(SCRAM-SHA-512 admin\/admin-secret, CA (\S+)\)/, 180_000)
    targets.push({ name: 'kafka 3.9 SASL_SSL SCRAM-512', bootstrap: kafkaReady[2]!, pid: Number(kafkaReady[1]), kcatArgs: saslArgs(kafkaReady[3]!) })
  }

  console.log(`bench:sasl: ${records.toLocaleString('en')} records of ${recordBytes} B (${args.mb} MB) per target, ${partitions} partitions, kcat acks=1; ` +
    `${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  for (const target of targets) {
    const result = await bench(target)
    console.log(line(target.name, 'produce', result.produce))
    console.log(line(target.name, 'consume', result.consume))
  }
  console.log(`load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup()
  rmSync(work, { recursive: true, force: true })
}
