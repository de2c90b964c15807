/**
 * Free loopback ports for tests that must name a port up front (a command that takes
 * `--base-port` or `--http-port`, where 0 does not mean "any").
 *
 * Ports come from below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999
 * by default). A port the OS hands out for `listen(0)` lies inside that range, and so does the
 * local port of every outgoing connection: a client connecting anywhere between the test picking
 * such a port and the broker binding it could take it (this happened once on a loaded machine).
 * Below the range, only another listener can, and each candidate is checked by listening on it.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

const LOWEST = 10_000

/** The first port of the kernel's ephemeral range (the top of the one we pick from). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32768
  } catch {
    return 32768
  }
}

export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

export async function freePort(): Promise<number> {
  return freePortRun(1)
}

/** The first of `count` consecutive free ports. */
export async function freePortRun(count: number): Promise<number> {
  const top = ephemeralLow() - count
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = LOWEST + Math.floor(Math.random() * (top - LOWEST))
    let all = true
    for (let port = first; port < first + count && all; port++) all = await isFree(port)
    if (all) return first
  }
  throw new Error(`found no ${count} consecutive free ports on 127.0.0.1 below ${top + count} in 100 attempts`)
}
