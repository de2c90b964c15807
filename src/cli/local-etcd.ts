/**
 * A one-member etcd on loopback for `samsa cluster up`: the `etcd` binary from PATH (Debian's
 * etcd-server package), its data and log under the cluster's data directory, so stopping and
 * running `cluster up` again brings back the same cluster. Ready means healthy: its /health
 * endpoint answers true, which needs a Raft leader; no fixed sleeps.
 */
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { SupervisedChild, describeExit } from './supervised-child.js'

export interface LocalEtcdOptions {
  readonly host: string
  readonly clientPort: number
  readonly peerPort: number
  /** etcd's own data directory (made by etcd when missing). */
  readonly dataDir: string
  /** Where etcd's output goes; it logs a lot and would drown the brokers' lines. */
  readonly logFile: string
  readonly healthTimeoutMs?: number
}

export interface LocalEtcd {
  readonly clientUrl: string
  readonly process: SupervisedChild
}

/** The first executable `name` on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not here; keep looking.
    }
  }
  return undefined
}

export function etcdBinary(): string {
  const binary = findOnPath('etcd')
  if (binary === undefined) {
    throw new SamsaError(
      ErrorCodes.ETCD,
      'etcd is not installed: no `etcd` on PATH. Install it (Debian/Ubuntu: `sudo apt-get install etcd-server`; elsewhere a release from https://etcd.io) and run this again.',
    )
  }
  return binary
}

export async function startLocalEtcd(binary: string, options: LocalEtcdOptions): Promise<LocalEtcd> {
  const clientUrl = `http://${options.host}:${options.clientPort}`
  const peerUrl = `http://${options.host}:${options.peerPort}`
  const logFd = openSync(options.logFile, 'a')
  const etcd = new SupervisedChild({
    name: 'etcd',
    command: binary,
    args: [
      '--name', 'samsa',
      '--data-dir', options.dataDir,
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster', `samsa=${peerUrl}`,
      '--initial-cluster-token', 'samsa-local',
      '--initial-cluster-state', 'new',
    ],
    logFd,
  })
  // The child holds its own copy of the descriptor.
  closeSync(logFd)

  const deadline = Date.now() + (options.healthTimeoutMs ?? 30_000)
  for (;;) {
    if (!etcd.running) {
      const exit = await etcd.exited
      throw new SamsaError(ErrorCodes.ETCD, `etcd exited with ${describeExit(exit)} before it was ready. The end of its log (${options.logFile}):\n${logTail(options.logFile)}`)
    }
    if (await healthy(clientUrl)) return { clientUrl, process: etcd }
    if (Date.now() > deadline) {
      await etcd.stop(5_000)
      throw new SamsaError(ErrorCodes.ETCD, `etcd at ${clientUrl} was not healthy within ${options.healthTimeoutMs ?? 30_000} ms. The end of its log (${options.logFile}):\n${logTail(options.logFile)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) })
    const body = (await response.json()) as { health?: string }
    return body.health === 'true'
  } catch {
    // Not listening yet, or no leader yet.
    return false
  }
}

export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}
