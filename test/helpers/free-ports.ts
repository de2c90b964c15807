/**
 * Free loopback ports for tests that must name a port up front (a command that takes
 * `--base-port`, not port 0). The OS picks a free port; a run of consecutive ones is checked by
 * listening on each. Another process may still take a port before the test binds it; the
 * commands under test say so clearly when that happens.
 */
import { createServer } from 'node:net'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** The first of `count` consecutive free ports. */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort()
    if (first + count - 1 > 65535) continue
    let all = true
    for (let port = first + 1; port < first + count && all; port++) all = await isFree(port)
    if (all) return first
  }
  throw new Error(`found no ${count} consecutive free ports on 127.0.0.1 in 50 attempts`)
}
