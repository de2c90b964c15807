/**
 * Real group consumers as child processes (kafkajs, @platformatic/kafka, kcat -G), so tests can
 * stop them cleanly (SIGTERM) or kill them (SIGKILL) like a crashed application. The Node
 * consumers report JSON lines on stdout (see the scripts in ./group-clients/); this module
 * collects them and lets a test wait for a condition over them.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './broker-process.js'

export interface ClientEvent {
  readonly e: string
  /** Date.now() in the client when it happened. */
  readonly t: number
  /** The client id (names the process in a test's view of events). */
  readonly c: string
  readonly [field: string]: unknown
}

export interface BatchEvent extends ClientEvent {
  readonly e: 'batch'
  readonly p: number
  /** The offsets of the records, in order. */
  readonly o: number[]
  readonly v: string[]
}

export interface ClientProcess {
  readonly clientId: string
  readonly child: ChildProcess
  readonly events: ClientEvent[]
  output(): string
  /** Resolves once `predicate` holds over the events so far (checked on every new line). */
  waitFor(predicate: (events: readonly ClientEvent[]) => boolean, timeoutMs: number, what: string): Promise<void>
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

function spawnClient(clientId: string, command: string, args: string[], parse: (line: string) => ClientEvent | null): ClientProcess {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  const events: ClientEvent[] = []
  let output = ''
  let partial = ''
  const waiters = new Set<() => void>()
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    live.delete(child)
    resolve()
    for (const w of waiters) w()
  }))
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString()
    const lines = partial.split('\n')
    partial = lines.pop()!
    for (const line of lines) {
      const event = parse(line)
      if (event !== null) events.push(event)
    }
    for (const w of waiters) w()
  })
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    if (output.length > 200_000) output = output.slice(-100_000)
  })
  return {
    clientId,
    child,
    events,
    output: () => output,
    waitFor(predicate, timeoutMs, what) {
      if (predicate(events)) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (predicate(events)) {
            done()
            resolve()
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done()
            reject(new Error(`${clientId} exited while waiting for ${what}:\n${output.slice(-3000)}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`${clientId}: ${what} did not happen within ${timeoutMs} ms:\n${output.slice(-3000)}`))
        }, timeoutMs)
        const done = (): void => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
      })
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
  }
}

const parseJson = (line: string): ClientEvent | null => {
  if (!line.startsWith('{')) return null
  try {
    return JSON.parse(line) as ClientEvent
  } catch {
    return null
  }
}

export interface NodeConsumerOptions {
  readonly bootstrap: string
  readonly groupId: string
  readonly topic: string
  readonly clientId: string
  readonly sessionTimeout?: number
  readonly rebalanceTimeout?: number
  readonly heartbeatInterval?: number
  /** Slows each batch down (so a kill catches records in flight). */
  readonly batchDelayMs?: number
  /** @platformatic/kafka only: static membership. */
  readonly groupInstanceId?: string
}

export function startKafkajsConsumer(options: NodeConsumerOptions): ClientProcess {
  const script = join(ROOT, 'test', 'helpers', 'group-clients', 'kafkajs-consumer.mjs')
  return spawnClient(options.clientId, process.execPath, [script, JSON.stringify(options)], parseJson)
}

export function startPlatformaticConsumer(options: NodeConsumerOptions): ClientProcess {
  const script = join(ROOT, 'test', 'helpers', 'group-clients', 'platformatic-consumer.mjs')
  return spawnClient(options.clientId, process.execPath, [script, JSON.stringify(options)], parseJson)
}

/**
 * kcat -G (librdkafka's balanced consumer). Each consumed record becomes a "record" event with
 * its partition, offset and value (kcat's -f format), and librdkafka's rebalance notices become
 * "rebalanced" events.
 */
export function startKcatGroupConsumer(options: { bootstrap: string; groupId: string; topic: string; clientId: string; extra?: string[] }): ClientProcess {
  const args = [
    '-b', options.bootstrap, '-G', options.groupId, '-X', `client.id=${options.clientId}`,
    '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=10000', '-X', 'heartbeat.interval.ms=500',
    '-X', 'auto.commit.interval.ms=200', '-f', 'REC %p %o %s\n', '-u', ...(options.extra ?? []), options.topic,
  ]
  const parse = (line: string): ClientEvent | null => {
    const match = /^REC (\d+) (\d+) (.*)$/.exec(line)
    if (match === null) return null
    return { e: 'record', t: Date.now(), c: options.clientId, p: Number(match[1]), o: Number(match[2]), v: match[3] }
  }
  const client = spawnClient(options.clientId, 'kcat', args, parse)
  // kcat reports rebalances on stderr; surface assignments as events too.
  client.child.stderr!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.includes('rebalanced')) client.events.push({ e: 'rebalanced', t: Date.now(), c: options.clientId, line })
    }
  })
  return client
}

/** The batch events of some clients, flattened to (client, partition, offset, value) records. */
export function consumedRecords(clients: readonly ClientProcess[]): Array<{ c: string; p: number; o: number; v: string; t: number }> {
  const records: Array<{ c: string; p: number; o: number; v: string; t: number }> = []
  for (const client of clients) {
    for (const event of client.events) {
      if (event.e !== 'batch') continue
      const batch = event as BatchEvent
      batch.v.forEach((v, i) => records.push({ c: batch.c, p: batch.p, o: batch.o[i]!, v, t: batch.t }))
    }
  }
  return records
}

/** The latest assignment each client reported. */
export function latestAssignments(clients: readonly ClientProcess[]): Map<string, number[]> {
  const result = new Map<string, number[]>()
  for (const client of clients) {
    const joins = client.events.filter((e) => e.e === 'joined')
    const last = joins[joins.length - 1]
    if (last !== undefined) result.set(client.clientId, [...(last.partitions as number[])].sort((a, b) => a - b))
  }
  return result
}

/** Polls `condition` (which may look at several clients or ask the broker) until it holds. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
