/**
 * `samsa cluster`: `up` runs a local cluster (etcd and N brokers) for trying cluster mode;
 * `describe`, the default, shows a running cluster's brokers, controller and unhealthy
 * partitions. Each action is its own module, loaded only when used: `describe` is a small
 * client and needs none of `up`'s process supervision.
 */
import { usageError } from './usage-error.js'

const help = `Usage: samsa cluster <action> [options]

Actions:
  up [--brokers <n>] [--base-port <port>] [--data-dir <dir>] [--etcd-port <port>]
                         start etcd and n brokers on this machine; Ctrl-C stops them
  describe [--bootstrap-server <host:port>]
                         brokers, controller, under-replicated and offline partitions
                         (the default: \`samsa cluster\` alone describes)

Run 'samsa cluster <action> --help' for an action's options.
`

export async function run(argv: string[]): Promise<void> {
  const [first, ...rest] = argv
  if (first === 'up') return (await import('./cluster-up.js')).run(rest)
  if (first === 'describe') return (await import('./cluster-describe.js')).run(rest)
  if (first === 'help' || ((first === '--help' || first === '-h') && rest.length === 0)) {
    process.stdout.write(help)
    return
  }
  // `samsa cluster [--bootstrap-server h:p]` describes: looking is the common case, starting is explicit.
  if (first === undefined || first.startsWith('-')) return (await import('./cluster-describe.js')).run(argv)
  throw usageError(`unknown action '${first}'; use up or describe`)
}
