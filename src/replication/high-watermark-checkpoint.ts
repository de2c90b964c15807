/**
 * Kafka's `replication-offset-checkpoint`: the high watermark of every partition this broker
 * hosts, written to the data directory every replica.high.watermark.checkpoint.interval.ms and at
 * a clean shutdown (temp file, fsync, rename), so that after a restart a broker in a cluster
 * starts each partition from the high watermark it last knew rather than from its log end: the
 * records past it were never known to be committed, and consumers must not see them until the
 * ISR has them again (a restarted broker that becomes leader would otherwise expose records that
 * a later truncation removes).
 */
import { join } from 'node:path'
import { type OffsetCheckpointEntry, readOffsetCheckpoint, writeOffsetCheckpoint } from '../storage/index.js'

export const HIGH_WATERMARK_CHECKPOINT = 'replication-offset-checkpoint'

export class HighWatermarkCheckpoint {
  readonly #path: string
  /** The write in flight, so two never overlap (they share one temp file name). */
  #writing: Promise<void> = Promise.resolve()

  constructor(dataDir: string) {
    this.#path = join(dataDir, HIGH_WATERMARK_CHECKPOINT)
  }

  /** The checkpointed high watermarks by "topic partition"; empty when there is no file or it is unreadable. */
  async read(): Promise<Map<string, number>> {
    const entries = await readOffsetCheckpoint(this.#path).catch(() => null)
    return new Map((entries ?? []).map((e) => [key(e.topic, e.partition), e.offset]))
  }

  /** Writes `entries` once any write in flight is done. */
  write(entries: OffsetCheckpointEntry[]): Promise<void> {
    const next = this.#writing.then(() => writeOffsetCheckpoint(this.#path, entries))
    this.#writing = next.catch(() => undefined)
    return next
  }
}

export function key(topic: string, partition: number): string {
  return `${topic} ${partition}`
}
