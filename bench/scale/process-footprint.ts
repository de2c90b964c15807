/**
 * What a broker process holds, read from /proc (Linux): open descriptors (and how many are
 * segment files), the address space it maps (and how much of it is segment files), and its
 * anonymous resident memory (the JS heap and the addon's heap: what it owns, not page cache).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

export interface Footprint {
  readonly descriptors: number
  /** Descriptors open on `.log`, `.index` or `.timeindex` files. */
  readonly segmentDescriptors: number
  /** VmSize: every mapping, reserved or touched. */
  readonly mappedBytes: number
  /** Address space of mappings of `.log` files. */
  readonly segmentMappedBytes: number
  readonly segmentMappings: number
  readonly rssBytes: number
  readonly rssAnonBytes: number
}

const SEGMENT_FILE = /\.(log|index|timeindex)( \(deleted\))?$/

function statusField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)
  return match === null ? 0 : Number(match[1]) * 1024
}

export function footprintOf(pid: number): Footprint {
  let descriptors = 0
  let segmentDescriptors = 0
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    descriptors++
    try {
      if (SEGMENT_FILE.test(readlinkSync(`/proc/${pid}/fd/${fd}`))) segmentDescriptors++
    } catch {
      // Closed between the listing and the readlink.
    }
  }
  let segmentMappedBytes = 0
  let segmentMappings = 0
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s+(.*)$/.exec(line)
    if (match === null || !/\.log( \(deleted\))?$/.test(match[3]!)) continue
    segmentMappedBytes += Number(BigInt(`0x${match[2]}`) - BigInt(`0x${match[1]}`))
    segmentMappings++
  }
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return {
    descriptors,
    segmentDescriptors,
    mappedBytes: statusField(status, 'VmSize'),
    segmentMappedBytes,
    segmentMappings,
    rssBytes: statusField(status, 'VmRSS'),
    rssAnonBytes: statusField(status, 'RssAnon'),
  }
}
