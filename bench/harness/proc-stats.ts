/**
 * CPU time and memory of a local process, read from /proc (Linux), so the broker's figures are
 * its own and the load generator's are reported beside them.
 *
 * - CPU: utime + stime from /proc/<pid>/stat (fields 14 and 15, in clock ticks), every thread
 *   of the process included.
 * - Memory: VmRSS (now), RssAnon (its anonymous part) and VmHWM (the peak resident set since
 *   the process started) from /proc/<pid>/status.
 * - A broker given only as host:port is found by its listening socket: the socket's inode in
 *   /proc/net/tcp{,6}, then the process holding a descriptor on it (readable as root, or for
 *   one's own processes).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

/** A `getconf` value, or `fallback` where getconf is missing or says nothing usable. */
function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim())
    if (value > 0) return value
  } catch {
    // getconf missing: the fallback is what Linux uses on every architecture the project runs on.
  }
  return fallback
}

const TICKS_PER_SECOND = getconf('CLK_TCK', 100)
const PAGE_SIZE = getconf('PAGESIZE', 4096)

export interface ProcessStats {
  /** User + system CPU seconds since the process started. */
  readonly cpuSeconds: number
  readonly rssBytes: number
  /**
   * The anonymous part of the resident set (heaps, buffers): memory the process owns. The rest
   * of RSS is file pages it maps (a broker that mmaps its segments counts the page cache it
   * reads), which the kernel can reclaim.
   */
  readonly rssAnonBytes: number
  /** Peak resident set size since the process started. */
  readonly peakRssBytes: number
}

/** The process's CPU and memory now, or null when it is gone or unreadable. */
export function readProcessStats(pid: number | 'self'): ProcessStats | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return { cpuSeconds, rssBytes: kilobytes(status, 'VmRSS'), rssAnonBytes: kilobytes(status, 'RssAnon'), peakRssBytes: kilobytes(status, 'VmHWM') }
  } catch {
    return null
  }
}

function kilobytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match === null ? 0 : Number(match[1]) * 1024
}

/** The model name of the CPU, as lscpu shows it. */
export function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    return match?.[1]?.trim() ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Inodes of the sockets listening on `port` (any local address). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>()
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/)
      // local_address is column 1 (addr:PORT), st is column 3 (0A = LISTEN), inode column 9.
      if (columns.length > 9 && columns[1]!.endsWith(`:${hexPort}`) && columns[3] === '0A') inodes.add(columns[9]!)
    }
  }
  return inodes
}

/** The pid of the local process listening on `port`, or null when none can be seen. */
export function findListeningPid(port: number): number | null {
  const inodes = listeningInodes(port)
  if (inodes.size === 0) return null
  const wanted = new Set([...inodes].map((inode) => `socket:[${inode}]`))
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${entry}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry)
      } catch {
        // The descriptor closed while we looked.
      }
    }
  }
  return null
}

/** Whether `host` names this machine (the broker's /proc is then readable). */
export function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '0.0.0.0'
}

/** CPU seconds all processes on this machine (kernel threads included) have used since boot, from /proc/stat; null off Linux. */
export function readMachineCpuSeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user).
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / TICKS_PER_SECOND
  } catch {
    return null
  }
}

/** Bytes of page cache the kernel has written back to disk since boot (/proc/vmstat nr_written); null off Linux. */
export function readBytesWrittenBack(): number | null {
  try {
    const match = /^nr_written (\d+)$/m.exec(readFileSync('/proc/vmstat', 'utf8'))
    return match === null ? null : Number(match[1]) * PAGE_SIZE
  } catch {
    return null
  }
}

/** The machine's busy CPU (every process, the kernel's own threads included) and its disk writeback, between samples. */
export class MachineSampler {
  #lastCpu: number | null = null
  #lastWrittenBack: number | null = null

  start(): void {
    this.#lastCpu = readMachineCpuSeconds()
    this.#lastWrittenBack = readBytesWrittenBack()
  }

  /**
   * Since the previous sample: CPU seconds used on the machine, and bytes of page cache written
   * back to disk (a burst of writeback can block writers, a broker's appends among them); each
   * null when /proc cannot be read.
   */
  sample(): { cpuSeconds: number | null; writtenBackBytes: number | null } {
    const cpu = readMachineCpuSeconds()
    const writtenBack = readBytesWrittenBack()
    const lastCpu = this.#lastCpu
    const lastWrittenBack = this.#lastWrittenBack
    this.#lastCpu = cpu
    this.#lastWrittenBack = writtenBack
    return {
      cpuSeconds: cpu === null || lastCpu === null ? null : cpu - lastCpu,
      writtenBackBytes: writtenBack === null || lastWrittenBack === null ? null : writtenBack - lastWrittenBack,
    }
  }
}

/**
 * CPU and peak memory of one process over a run: `start()`, then `sample()` once a second
 * (which returns the CPU seconds used since the previous sample), then `finish()`.
 */
export class ProcessSampler {
  readonly pid: number | 'self'
  #first: ProcessStats | null = null
  #last: ProcessStats | null = null
  #peakSampledRss = 0
  #peakSampledRssAnon = 0

  constructor(pid: number | 'self') {
    this.pid = pid
  }

  start(): void {
    this.#first = this.#last = readProcessStats(this.pid)
    this.#peakSampledRss = this.#first?.rssBytes ?? 0
    this.#peakSampledRssAnon = this.#first?.rssAnonBytes ?? 0
  }

  /** CPU seconds since the previous sample (0 when unreadable). */
  sample(): number {
    const now = readProcessStats(this.pid)
    if (now === null || this.#last === null) return 0
    const used = now.cpuSeconds - this.#last.cpuSeconds
    this.#last = now
    this.#peakSampledRss = Math.max(this.#peakSampledRss, now.rssBytes)
    this.#peakSampledRssAnon = Math.max(this.#peakSampledRssAnon, now.rssAnonBytes)
    return used
  }

  /** Totals since `start()`; null when the process could not be read. */
  totals(): { cpuSeconds: number; peakRssBytes: number; peakRssAnonBytes: number; lifetimePeakRssBytes: number } | null {
    if (this.#first === null || this.#last === null) return null
    return {
      cpuSeconds: this.#last.cpuSeconds - this.#first.cpuSeconds,
      peakRssBytes: this.#peakSampledRss,
      peakRssAnonBytes: this.#peakSampledRssAnon,
      lifetimePeakRssBytes: this.#last.peakRssBytes,
    }
  }
}
