#!/usr/bin/env -S node --max-semi-space-size=2 --single-threaded-gc
/**
 * The `samsa` command: one binary, noun-verb subcommands in the style of kafka-* scripts and
 * rpk. Each subcommand lives in its own module and is loaded only when used, so `samsa topic
 * list` does not pay for starting a broker's worth of imports.
 */
import { reportAndExit } from './usage-error.js'

interface Command {
  readonly summary: string
  readonly load: () => Promise<{ run(argv: string[]): Promise<void> }>
}

const commands: Record<string, Command> = {
  start: { summary: 'run a broker', load: () => import('./start.js') },
  cluster: { summary: 'run a local cluster (up) or describe brokers, controller and unhealthy partitions', load: () => import('./cluster.js') },
  group: { summary: 'list, describe (with lag), reset offsets of, and delete consumer groups', load: () => import('./group.js') },
  topic: { summary: 'create, list, describe, delete topics and change their settings', load: () => import('./topic.js') },
  produce: { summary: 'produce records from stdin, one per line', load: () => import('./produce.js') },
  user: { summary: 'add, list and delete SCRAM users (in the data dir before a start, or in etcd)', load: () => import('./user.js') },
  consume: { summary: 'print the records of a topic as JSON lines', load: () => import('./consume.js') },
  bench: { summary: 'measure throughput and latency of this or any Kafka-compatible broker', load: () => import('../../bench/harness/main.js') },
}

function help(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length))
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return `Usage: samsa <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'samsa <command> --help' for a command's options.\n`
}

const [name, ...rest] = process.argv.slice(2)
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(help())
} else if (!Object.hasOwn(commands, name)) {
  process.stderr.write(`samsa: unknown command '${name}'.\n\n${help()}`)
  process.exit(2)
} else {
  try {
    const module = await commands[name]!.load()
    await module.run(rest)
  } catch (error) {
    reportAndExit(error, name)
  }
}
