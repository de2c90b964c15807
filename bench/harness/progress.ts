/**
 * The live progress line: on a terminal it is rewritten in place every second; elsewhere (CI
 * logs, pipes) a line is printed every five seconds instead. Goes to stderr, so stdout carries
 * only the summary.
 */
import type { IntervalSample } from './run-result.js'

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const ms = (v: number | null): string => (v === null ? '—' : `${Number(v.toPrecision(3))} ms`)

export function progressLine(label: string, s: IntervalSample, elapsed: number, total: number): string {
  const cpu =
    `CPU broker ${s.brokerCores === null ? '—' : s.brokerCores.toFixed(2)} harness ${s.harnessCores.toFixed(2)}` +
    (s.otherCores === null ? '' : ` other ${s.otherCores.toFixed(2)}`) +
    ` (busiest threads: producer ${Math.round(s.producerThreadBusy * 100)}%, consumer ${Math.round(s.consumerThreadBusy * 100)}%)`
  return (
    `[${label}] ${s.phase === 'warmup' ? 'warm-up' : 'measure'} ${Math.min(elapsed, total).toFixed(0)}/${total} s · ` +
    `pub ${fmt(s.publishRate)} msg/s ${s.publishMBs.toFixed(1)} MB/s · cons ${fmt(s.consumeRate)} msg/s · backlog ${fmt(s.backlog)} · ` +
    `p99 pub ${ms(s.publishLatencyP99)} e2e ${ms(s.endToEndLatencyP99)} · ${cpu}` +
    (s.writebackMBs !== null && s.writebackMBs >= 1 ? ` · disk writeback ${fmt(s.writebackMBs)} MB/s` : '') +
    (s.publishErrors > 0 ? ` · ${fmt(s.publishErrors)} failed sends` : '')
  )
}

export class Progress {
  readonly #stream: NodeJS.WriteStream
  readonly #live: boolean
  #lastPrinted = 0
  #open = false

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream
    this.#live = stream.isTTY === true
  }

  update(label: string, sample: IntervalSample, elapsed: number, total: number): void {
    const line = progressLine(label, sample, elapsed, total)
    if (this.#live) {
      const width = this.#stream.columns ?? 160
      this.#stream.write(`\r\x1b[K${line.length > width - 1 ? line.slice(0, width - 2) + '…' : line}`)
      this.#open = true
    } else if (elapsed - this.#lastPrinted >= 5 || elapsed >= total - 0.05) {
      this.#stream.write(line + '\n')
      this.#lastPrinted = elapsed
    }
  }

  /** A message on its own line (ends a live line first). */
  note(message: string): void {
    this.end()
    this.#stream.write(message + '\n')
  }

  end(): void {
    if (this.#open) this.#stream.write('\n')
    this.#open = false
    this.#lastPrinted = 0
  }
}
