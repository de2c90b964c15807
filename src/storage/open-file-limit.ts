/**
 * The process's open-file limit (RLIMIT_NOFILE) and what the logs need of it.
 *
 * What a partition holds open: the `.log` file of its active segment. Old segments open their
 * file only while they are read (seglog's segment.rs, released by LogManager's idle sweep) and
 * index files only while they are written, so a data directory needs about one descriptor per
 * partition, plus what the process already has (the runtime, the worker pool, the directory
 * lock) and a reserve for client connections, old segments being read, flushes and checkpoint
 * writes. Node raises its soft limit to the hard limit when it starts (on Linux, before any
 * JavaScript runs), so the soft limit read here is normally the hard one; an embedding host that
 * lowered it again gets that limit respected and named in the message.
 *
 * Linux only (/proc); elsewhere the limit is unknown and nothing is refused.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { ErrorCodes, SamsaError } from '../common/errors.js'

export interface OpenFileLimit {
  /** What the process may open now (Infinity: unlimited). */
  readonly soft: number
  /** What the soft limit may be raised to without privileges. */
  readonly hard: number
}

/** Descriptors one partition holds: its active segment's `.log` file. */
export const DESCRIPTORS_PER_PARTITION = 1

/**
 * Descriptors kept free for everything but partitions: client and replica connections, old
 * segments being read by catching-up consumers, segments being flushed after a roll, checkpoint
 * and snapshot writes. 256 leaves a 1,024-descriptor process room for ~700 partitions, and a
 * refused topic creation says how to raise the limit.
 */
export const DESCRIPTOR_RESERVE = 256

function parseLimit(text: string): number {
  return text === 'unlimited' ? Infinity : Number(text)
}

/** The limit of this process, or null where /proc/self/limits is missing (not Linux). */
export function readOpenFileLimit(): OpenFileLimit | null {
  try {
    const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return match === null ? null : { soft: parseLimit(match[1]!), hard: parseLimit(match[2]!) }
  } catch {
    return null
  }
}

/** Descriptors this process has open now, or null where /proc/self/fd is missing. */
export function countOpenDescriptors(): number | null {
  try {
    // The listing's own descriptor is counted too: one too many, on the safe side.
    return readdirSync('/proc/self/fd').length
  } catch {
    return null
  }
}

/** A limit to suggest: at least twice what is needed, a power of two, never below 65,536. */
function suggestedLimit(needed: number): number {
  let limit = 65_536
  while (limit < needed * 2) limit *= 2
  return limit
}

function howToRaise(needed: number): string {
  const limit = suggestedLimit(needed)
  return (
    `Raise the open-file limit of the broker's process, for example to ${limit}: ` +
    `\`ulimit -n ${limit}\` in the shell that starts it (the hard limit too: \`ulimit -Hn\`), ` +
    `LimitNOFILE=${limit} in its systemd unit, or \`--ulimit nofile=${limit}:${limit}\` for its container.`
  )
}

function describe(limit: OpenFileLimit): string {
  const text = (n: number): string => (n === Infinity ? 'unlimited' : String(n))
  return `soft limit ${text(limit.soft)}, hard limit ${text(limit.hard)}`
}

/**
 * Refuses to open a data directory whose partitions would not fit under the limit (SAMSA_CONFIG,
 * with the numbers and the fix), instead of failing half way through with EMFILE.
 */
export function checkStartupDescriptors(dataDir: string, partitions: number, limit = readOpenFileLimit(), openNow = countOpenDescriptors()): void {
  if (limit === null || openNow === null || limit.soft === Infinity) return
  const needed = openNow + partitions * DESCRIPTORS_PER_PARTITION + DESCRIPTOR_RESERVE
  if (needed <= limit.soft) return
  throw new SamsaError(
    ErrorCodes.CONFIG,
    `The data directory ${dataDir} holds ${partitions} partitions, which need about ${needed} open files ` +
      `(${DESCRIPTORS_PER_PARTITION} per partition, ${openNow} already open, ${DESCRIPTOR_RESERVE} kept for connections and reads), ` +
      `but this process may open only ${limit.soft} (${describe(limit)}). ${howToRaise(needed)}`,
  )
}

/**
 * Why `newPartitions` more partitions would not fit under the limit now, or null when they fit.
 * Counts what is open at this moment, so connections and reads in progress are included.
 */
export function descriptorShortfall(newPartitions: number, limit = readOpenFileLimit(), openNow = countOpenDescriptors()): string | null {
  if (limit === null || openNow === null || limit.soft === Infinity || newPartitions <= 0) return null
  const needed = openNow + newPartitions * DESCRIPTORS_PER_PARTITION + DESCRIPTOR_RESERVE
  if (needed <= limit.soft) return null
  const room = Math.max(0, Math.floor((limit.soft - openNow - DESCRIPTOR_RESERVE) / DESCRIPTORS_PER_PARTITION))
  return (
    `Creating ${newPartitions} partition(s) on this broker would need about ${needed} open files ` +
    `(${openNow} open now, ${DESCRIPTORS_PER_PARTITION} per new partition, ${DESCRIPTOR_RESERVE} kept for connections and reads), ` +
    `more than its limit of ${limit.soft} (${describe(limit)}); there is room for ${room} more. ${howToRaise(needed)}`
  )
}

/** One line for the start-up log. */
export function describeOpenFileLimit(limit = readOpenFileLimit()): Record<string, number | string> {
  if (limit === null) return { openFileLimit: 'unknown' }
  const text = (n: number): number | string => (n === Infinity ? 'unlimited' : n)
  return { soft: text(limit.soft), hard: text(limit.hard) }
}
