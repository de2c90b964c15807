/**
 * The checker of the fault tests (notes §1.5; Kafka's own system tests do the same with the
 * Verifiable producer and consumer): a producer writes numbered values one at a time with
 * acks=all and idempotence and remembers each acknowledgement (value, offset, time); afterwards
 * the partition is read back from the start and compared:
 *
 * - lost: acknowledged, never read (or read at another offset than the one acknowledged);
 * - duplicated: one value read at two offsets;
 * - reordered: values read out of the order they were sent;
 * - the longest gap between two acknowledgements, which is what a client sees of a failover.
 */
import { execFile } from 'node:child_process'
import { Kafka, type Producer, logLevel } from 'kafkajs'

export interface Ack {
  readonly value: string
  readonly offset: number
  readonly atMs: number
}

export interface CheckReport {
  readonly acked: number
  readonly read: number
  readonly lost: string[]
  readonly duplicated: string[]
  readonly reordered: number
  /** Acknowledged values read at an offset other than the acknowledged one. */
  readonly misplaced: string[]
  readonly longestGapMs: number
}

/** A producer writing `prefix-<n>` values one at a time to partition 0 of `topic`. */
export class AckingProducer {
  readonly acks: Ack[] = []
  readonly #producer: Producer
  readonly #topic: string
  readonly #prefix: string
  #next = 0
  #running = false
  #loop: Promise<void> | null = null
  #failures = 0

  private constructor(producer: Producer, topic: string, prefix: string) {
    this.#producer = producer
    this.#topic = topic
    this.#prefix = prefix
  }

  static async connect(bootstrap: string, topic: string, prefix = 'v'): Promise<AckingProducer> {
    const kafka = new Kafka({
      clientId: 'ack-checker',
      brokers: bootstrap.split(','),
      logLevel: logLevel.NOTHING,
      // A paused broker answers nothing: give up on it after 5 s (Kafka clients' 30 s default
      // would only stretch the tests), then refresh metadata and retry at the new leader.
      requestTimeout: 5000,
      retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 1000 },
    })
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
    await producer.connect()
    return new AckingProducer(producer, topic, prefix)
  }

  /** Sends one value; resolves with its ack. */
  async sendOne(): Promise<Ack> {
    const value = `${this.#prefix}-${this.#next++}`
    const [metadata] = await this.#producer.send({ topic: this.#topic, acks: -1, timeout: 30_000, messages: [{ value, partition: 0 }] })
    const ack = { value, offset: Number(metadata!.baseOffset), atMs: Date.now() }
    this.acks.push(ack)
    return ack
  }

  /** Sends continuously (one in flight) until stop(); a send that fails for good is counted, not thrown. */
  start(): void {
    this.#running = true
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.sendOne()
        } catch {
          this.#failures++
        }
      }
    })()
  }

  /** Resolves once `count` more values have been acknowledged. */
  async waitForAcks(count: number, timeoutMs = 60_000): Promise<void> {
    const target = this.acks.length + count
    const deadline = Date.now() + timeoutMs
    while (this.acks.length < target) {
      if (Date.now() > deadline) throw new Error(`only ${this.acks.length} of ${target} values acknowledged within ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /**
   * Runs `fault` while the producer keeps writing (start() first), then waits for `moreAcks`
   * acknowledgements after it, and returns the longest gap between two acknowledgements from just
   * before the fault until then: what a client saw of it.
   */
  async longestGapDuring(fault: () => Promise<void>, moreAcks = 30): Promise<number> {
    const first = this.acks.length
    await fault()
    await this.waitForAcks(moreAcks, 60_000)
    return longestGap(this.acks.slice(Math.max(0, first - 1)))
  }

  get failures(): number {
    return this.#failures
  }

  async stop(): Promise<void> {
    this.#running = false
    await this.#loop
    await this.#producer.disconnect()
  }
}

/** Every record of partition 0 of `topic` up to its high watermark, as [offset, value], read with kcat. */
export function readPartition(bootstrap: string, topic: string): Promise<Array<[number, string]>> {
  return new Promise((resolve, reject) => {
    execFile('kcat', ['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n'], { maxBuffer: 64 << 20, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`kcat failed: ${error.message}\n${stderr}`))
      resolve(stdout.split('\n').filter((line) => line !== '').map((line) => {
        const space = line.indexOf(' ')
        return [Number(line.slice(0, space)), line.slice(space + 1)]
      }))
    })
  })
}

/** Compares what was acknowledged with what was read. */
export function check(acks: readonly Ack[], read: ReadonlyArray<readonly [number, string]>): CheckReport {
  const offsetsOf = new Map<string, number[]>()
  for (const [offset, value] of read) offsetsOf.set(value, [...(offsetsOf.get(value) ?? []), offset])
  const lost = acks.filter((a) => !offsetsOf.has(a.value)).map((a) => a.value)
  const misplaced = acks.filter((a) => offsetsOf.has(a.value) && !offsetsOf.get(a.value)!.includes(a.offset)).map((a) => a.value)
  const duplicated = [...offsetsOf].filter(([, offsets]) => offsets.length > 1).map(([value]) => value)
  let reordered = 0
  let previous = -1
  for (const [, value] of read) {
    const n = Number(value.slice(value.lastIndexOf('-') + 1))
    if (n <= previous) reordered++
    previous = Math.max(previous, n)
  }
  return { acked: acks.length, read: read.length, lost, duplicated, reordered, misplaced, longestGapMs: longestGap(acks) }
}

/** The longest time between two consecutive acknowledgements. */
export function longestGap(acks: readonly Ack[]): number {
  let gap = 0
  for (let i = 1; i < acks.length; i++) gap = Math.max(gap, acks[i]!.atMs - acks[i - 1]!.atMs)
  return gap
}
